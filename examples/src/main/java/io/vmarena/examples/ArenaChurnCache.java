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
 * compacts itself in the background, set up to give memory back (see {@link #SETTINGS}). A block
 * holds the value's length (an int) and its bytes.
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
    /**
     * The policy compacts while more than this share of the class segments' bytes is not handed
     * out. Its default (0.5) stops with up to twice the used bytes in segments; at 0.1 it goes on
     * until evacuation has nothing left (for these mixed sizes about 0.24: a class's last segment
     * is partly full, and evacuation leaves segments at least a quarter full).
     */
    static final double FRAGMENTATION_ABOVE = 0.1;
    /**
     * The settings a user who wants memory back would choose, and why: printed with the results.
     * The evacuation threshold stays at its default (0.25): 0.75 and 0.9 copied more during the
     * bursts and ended with more resident (131 against 122 MB at 1 GiB), since blocks copied into
     * the free slots of fuller segments touch their given-back pages again.
     */
    static final String SETTINGS = "vmarena: shared arena, stable handles (no relocation listener); background "
        + "compaction every " + COMPACTION_PERIOD.toMillis() + " ms while fragmentation is above " + FRAGMENTATION_ABOVE
        + " (default 0.5 stops at up to twice the used bytes); retainedBytes 0 (an emptied segment goes back at "
        + "once: the next fill takes fresh ones anyway); evacuationThreshold 0.25 (the default: higher ones copied "
        + "more and left more resident); trim after each burst and after the settle";
    private static final int LENGTH_BYTES = Integer.BYTES;

    private final Arena arena;
    private final Long2LongHashMap index = new Long2LongHashMap(0);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private long trimmedBytes;

    ArenaChurnCache(final AddressSpace space) {
        arena = Arena.builder().name("cache-churn").addressSpace(space).threading(Threading.SHARED)
            .retainedBytes(0)
            .compactionPolicy(CompactionPolicy.builder().period(COMPACTION_PERIOD)
                .fragmentationAbove(FRAGMENTATION_ABOVE).build()).build();
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

    /** In memory as measured ({@link Arena#residency()}: one walk, read once a phase), not the arena's account. */
    @Override
    public long residentBytes() {
        return arena.residency().residentBytes();
    }

    /** {@code resident} as measured (residency()), {@code accountedResident} the arena's own count (stats()). */
    @Override
    public String describe() {
        final ArenaStats stats = arena.stats();
        return String.format(Locale.ROOT, "used=%d committed=%d resident=%d accountedResident=%d retained=%d "
            + "fragmentation=%.3f compactions=%d classSegments=%d runSegments=%d freeSegments=%d vmas=%d trimmed=%d",
            stats.usedBytes(), stats.committedBytes(), arena.residency().residentBytes(), stats.residentBytes(),
            stats.retainedBytes(),
            stats.fragmentation(), stats.compactions(), stats.classSegments(), stats.runSegments(),
            stats.freeSegments(), stats.vmaCount(), trimmedBytes);
    }

    @Override
    public void close() {
        arena.close();
    }
}
