package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.vm.AddressSpace;
import org.agrona.UnsafeApi;
import org.agrona.collections.IntHashSet;

import java.util.Arrays;

/**
 * {@link EvacuationBenchmark}'s cache: small blocks of the allocation suite's mixed sizes (16 B
 * to 16 KiB, half up to 90 B, see {@link AllocationBenchmark.MixedSizes}) allocated until they
 * ask for {@code cacheBytes}, every byte written, then churned down to a tenth of the blocks,
 * chosen at random from a fixed seed: every size class's segments are left about a tenth full,
 * and each page that holds one live block stays resident.
 *
 * <p>Each block starts with its index (8 bytes) and is filled with its own byte after it;
 * {@link #check()} reads every byte of every live block back through its old handle.
 */
final class ChurnedCache implements AutoCloseable {
    static final long SEGMENT_BYTES = ChurnedSegments.SEGMENT_BYTES;
    static final long SEED = 20261206L;
    /** One live block in ten survives the churn. */
    static final int LIVE_DIVISOR = 10;
    /** Room beyond the cache for a segment per size class, in segments: more than there are classes. */
    private static final long CLASS_ROOM_SEGMENTS = 128;

    private final Arena arena;
    private final long[] liveHandles;
    private final int[] liveLengths;
    private final int[] liveIndexes;
    private final long liveBytes;
    private final long liveCapacityBytes;
    private final int liveClasses;

    private ChurnedCache(final Arena arena, final long[] liveHandles, final int[] liveLengths,
        final int[] liveIndexes) {
        this.arena = arena;
        this.liveHandles = liveHandles;
        this.liveLengths = liveLengths;
        this.liveIndexes = liveIndexes;
        final IntHashSet capacities = new IntHashSet();
        long requested = 0;
        long capacity = 0;
        for (int live = 0; live < liveHandles.length; live++) {
            requested += liveLengths[live];
            capacity += arena.capacity(liveHandles[live]);
            capacities.add((int)arena.capacity(liveHandles[live]));
        }
        liveBytes = requested;
        liveCapacityBytes = capacity;
        liveClasses = capacities.size();
    }

    /**
     * Builds the churned cache in a fresh, confined arena owned by the calling thread.
     *
     * @throws IllegalArgumentException when {@code cacheBytes} is not a positive multiple of a segment
     */
    static ChurnedCache build(final AddressSpace space, final long cacheBytes) {
        if (cacheBytes <= 0 || cacheBytes % SEGMENT_BYTES != 0) {
            throw new IllegalArgumentException("cacheBytes must be a positive multiple of a segment (" + SEGMENT_BYTES
                + " bytes), got " + cacheBytes);
        }
        // Twice the cache: size classes round up and each class has a partly full segment of its own
        // (64 classes from 16 B to 16 KiB): room for both without growth at the default size.
        final Arena arena = Arena.builder().name("evacuation-benchmark").addressSpace(space)
            .segmentBytes(SEGMENT_BYTES).initialBytes(2 * cacheBytes)
            .maximumBytes(4 * cacheBytes + CLASS_ROOM_SEGMENTS * SEGMENT_BYTES).build();
        try {
            return churn(space, arena, cacheBytes);
        } catch (final RuntimeException failed) {
            arena.close();
            throw failed;
        }
    }

    private static ChurnedCache churn(final AddressSpace space, final Arena arena, final long cacheBytes) {
        final int[] sizes = AllocationBenchmark.MixedSizes.draw(SEED, AllocationBenchmark.MixedSizes.COUNT);
        long[] handles = new long[1024];
        int[] lengths = new int[1024];
        int count = 0;
        for (long requested = 0; requested < cacheBytes; count++) {
            if (count == handles.length) {
                handles = Arrays.copyOf(handles, 2 * count);
                lengths = Arrays.copyOf(lengths, 2 * count);
            }
            lengths[count] = sizes[count & (sizes.length - 1)];
            handles[count] = arena.allocate(lengths[count]);
            write(arena.address(handles[count]), lengths[count], count);
            ChurnedSegments.written(space, arena.address(handles[count]), lengths[count]);
            requested += lengths[count];
        }
        final int[] order = ChurnedSegments.shuffled(count, SEED);
        final int liveCount = count / LIVE_DIVISOR;
        for (int rank = liveCount; rank < count; rank++) {
            arena.free(handles[order[rank]]);
        }
        final long[] liveHandles = new long[liveCount];
        final int[] liveLengths = new int[liveCount];
        final int[] liveIndexes = new int[liveCount];
        for (int rank = 0; rank < liveCount; rank++) {
            liveHandles[rank] = handles[order[rank]];
            liveLengths[rank] = lengths[order[rank]];
            liveIndexes[rank] = order[rank];
        }
        return new ChurnedCache(arena, liveHandles, liveLengths, liveIndexes);
    }

    private static void write(final long address, final int lengthBytes, final int blockIndex) {
        UnsafeApi.putLong(address, blockIndex);
        UnsafeApi.setMemory(address + Long.BYTES, lengthBytes - Long.BYTES, pattern(blockIndex));
    }

    private static byte pattern(final int blockIndex) {
        return (byte)(1 + blockIndex % 251); // never 0: a page that lost its contents reads 0
    }

    Arena arena() {
        return arena;
    }

    /** The bytes the live blocks asked for. */
    long liveBytes() {
        return liveBytes;
    }

    /** The bytes the live blocks hold: their size classes' sizes. */
    long liveCapacityBytes() {
        return liveCapacityBytes;
    }

    /** The size classes the live blocks use. */
    int liveClasses() {
        return liveClasses;
    }

    /**
     * Reads every byte of every live block back through its handle from before the compaction.
     *
     * @throws IllegalStateException naming the first block that lost its contents
     */
    void check() {
        for (int live = 0; live < liveHandles.length; live++) {
            final long address = arena.address(liveHandles[live]);
            boolean intact = UnsafeApi.getLong(address) == liveIndexes[live];
            final byte expected = pattern(liveIndexes[live]);
            for (int offset = Long.BYTES; intact && offset < liveLengths[live]; offset++) {
                intact = UnsafeApi.getByte(address + offset) == expected;
            }
            if (!intact) {
                throw new IllegalStateException("EvacuationBenchmark measured something else: live block "
                    + liveIndexes[live] + " (" + liveLengths[live] + " bytes) lost its contents");
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
