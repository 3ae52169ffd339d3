package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.ArenaStats;
import io.vmarena.CompactionPolicy;
import io.vmarena.ReadSection;
import io.vmarena.Threading;
import io.vmarena.vm.AddressSpace;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.Locale;

/**
 * cache-churn's vmarena contender: an on-heap index (key to handle) into a shared arena that
 * compacts itself in the background (the policy's defaults, looked at every
 * {@link #COMPACTION_PERIOD}). A block holds the value's length (an int) and its bytes.
 *
 * <p>Handles are stable: the arena has no relocation listener, so a block that evacuation copies
 * keeps its handle (the arena forwards it) and the index never changes under the load. Reads and
 * writes go through an address taken inside a read section, so compaction on its own thread
 * cannot move the block meanwhile. After each burst of evictions, {@link Arena#trim} gives the
 * free memory back.
 */
final class ArenaChurnCache implements ChurnCache {
    /** The background policy's period: short, so a burst's evictions are compacted within the settle. */
    static final Duration COMPACTION_PERIOD = Duration.ofMillis(10);
    private static final int LENGTH_BYTES = Integer.BYTES;

    private final Arena arena;
    private final Long2LongHashMap index = new Long2LongHashMap(0);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private long trimmedBytes;

    ArenaChurnCache(final AddressSpace space) {
        arena = Arena.builder().name("cache-churn").addressSpace(space).threading(Threading.SHARED)
            .compactionPolicy(CompactionPolicy.builder().period(COMPACTION_PERIOD).build()).build();
    }

    @Override
    public void put(final long key, final byte[] value, final int lengthBytes) {
        final long old = index.get(key);
        if (old != 0) {
            arena.free(old);
        }
        final long handle = arena.allocate(LENGTH_BYTES + lengthBytes);
        final ReadSection section = arena.read(); // writers write inside sections too (see Threading)
        try {
            arena.wrap(view, handle);
            view.putInt(0, lengthBytes);
            view.putBytes(LENGTH_BYTES, value, 0, lengthBytes);
        } finally {
            section.close();
        }
        index.put(key, handle);
    }

    @Override
    public int get(final long key, final byte[] destination) {
        final long handle = index.get(key);
        if (handle == 0) {
            return -1;
        }
        final ReadSection section = arena.read();
        try {
            arena.wrap(view, handle);
            final int lengthBytes = view.getInt(0);
            view.getBytes(LENGTH_BYTES, destination, 0, lengthBytes);
            return lengthBytes;
        } finally {
            section.close();
        }
    }

    @Override
    public void remove(final long key) {
        arena.free(index.remove(key));
    }

    @Override
    public void afterBurst() {
        trimmedBytes += arena.trim(Long.MAX_VALUE);
    }

    /**
     * A diagnosis, after the measured run: what an explicit {@link Arena#compact()} and trim
     * reach beyond the background policy. Returns the compaction's figures.
     */
    String compactAndTrim() {
        final String result = arena.compact().toString();
        trimmedBytes += arena.trim(Long.MAX_VALUE);
        return result;
    }

    @Override
    public String describe() {
        final ArenaStats stats = arena.stats();
        return String.format(Locale.ROOT, "used=%d committed=%d resident=%d retained=%d fragmentation=%.3f "
            + "compactions=%d classSegments=%d runSegments=%d freeSegments=%d vmas=%d trimmed=%d",
            stats.usedBytes(), stats.committedBytes(), stats.residentBytes(), stats.retainedBytes(),
            stats.fragmentation(), stats.compactions(), stats.classSegments(), stats.runSegments(),
            stats.freeSegments(), stats.vmaCount(), trimmedBytes);
    }

    @Override
    public void close() {
        arena.close();
    }
}
