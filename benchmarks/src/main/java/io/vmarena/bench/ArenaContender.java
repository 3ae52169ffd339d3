package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.Threading;
import org.openjdk.jmh.infra.Blackhole;

/**
 * vmarena's {@link Arena}, confined or shared, with its default configuration (checked mode,
 * 2 MiB segments) except an initial reservation large enough that no benchmark grows it, not
 * even while it fills {@code mixed}'s ring: the suite measures the fast path, and
 * {@link GrowthBenchmark} measures growth. The ring's sizes span about 36 size classes, each
 * with a segment of its own, more than the default 32 segments; a reservation costs no memory.
 */
final class ArenaContender extends Contender {
    private static final long INITIAL_BYTES = 256L << 20;

    private final Arena arena;
    private long[] handles = new long[0];

    private ArenaContender(final Threading threading) {
        arena = Arena.builder()
            .name("allocation-benchmark-" + threading.name().toLowerCase(java.util.Locale.ROOT))
            .threading(threading)
            .initialBytes(INITIAL_BYTES)
            .build();
    }

    static ArenaContender confined() {
        return new ArenaContender(Threading.CONFINED);
    }

    static ArenaContender shared() {
        return new ArenaContender(Threading.SHARED);
    }

    @Override
    void allocateAndFree(final int lengthBytes, final Blackhole blackhole) {
        final long handle = arena.allocate(lengthBytes);
        arena.free(handle);
        blackhole.consume(handle);
    }

    @Override
    void ring(final int slotCount) {
        handles = new long[slotCount];
    }

    @Override
    void replace(final int slot, final int lengthBytes) {
        if (handles[slot] != 0) {
            arena.free(handles[slot]);
        }
        handles[slot] = arena.allocate(lengthBytes);
    }

    @Override
    public void close() {
        for (final long handle : handles) {
            if (handle != 0) {
                arena.free(handle);
            }
        }
        handles = new long[0];
        arena.close();
    }
}
