package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.ArenaStats;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.MoveStrategy;
import org.agrona.UnsafeApi;

import java.util.SplittableRandom;

/**
 * {@link CompactionBenchmark}'s layout: an arena of {@code arenaBytes} filled with one-segment
 * blocks (2 MiB each, every page written with the block's own byte), then half of them freed,
 * chosen at random from a fixed seed, so the same layout comes back for every compaction and
 * every move strategy.
 *
 * <pre>
 *  before:  [b0][b1][  ][b3][  ][  ][b6][b7][  ][b9] ...   half free, islands of live blocks
 *  after:   [b0][b1][b3][b6][b7][b9] ... [free tail given back, reservation cut]
 * </pre>
 *
 * Each live segment that must slide is one page-table move ({@link MoveStrategy#AUTO}, the
 * arena as users build it) or one copy ({@link MoveStrategy#COPY}); {@link #check()} reads
 * every live page afterwards.
 */
final class ChurnedSegments implements AutoCloseable {
    static final long SEGMENT_BYTES = 2L << 20;
    static final long SEED = 20261206L;

    private final Arena arena;
    private final long pageSize;
    private final long[] liveHandles;
    private final byte[] livePatterns;

    private ChurnedSegments(final Arena arena, final long pageSize, final long[] liveHandles,
        final byte[] livePatterns) {
        this.arena = arena;
        this.pageSize = pageSize;
        this.liveHandles = liveHandles;
        this.livePatterns = livePatterns;
    }

    /**
     * Builds the layout in a fresh, confined arena owned by the calling thread.
     *
     * @throws IllegalArgumentException when {@code arenaBytes} is not a positive multiple of two segments
     */
    static ChurnedSegments build(final AddressSpace space, final MoveStrategy strategy, final long arenaBytes) {
        if (arenaBytes <= 0 || arenaBytes % (2 * SEGMENT_BYTES) != 0) {
            throw new IllegalArgumentException("arenaBytes must be a positive multiple of two segments ("
                + 2 * SEGMENT_BYTES + " bytes), got " + arenaBytes);
        }
        final Arena arena = Arena.builder().name("compaction-benchmark-" + strategy).addressSpace(space)
            .segmentBytes(SEGMENT_BYTES).initialBytes(arenaBytes).maximumBytes(2 * arenaBytes).moveStrategy(strategy)
            .build();
        try {
            return churn(space, arena, arenaBytes);
        } catch (final RuntimeException failed) {
            arena.close();
            throw failed;
        }
    }

    private static ChurnedSegments churn(final AddressSpace space, final Arena arena, final long arenaBytes) {
        final int blockCount = (int)(arenaBytes / SEGMENT_BYTES);
        final long[] handles = new long[blockCount];
        for (int index = 0; index < blockCount; index++) {
            handles[index] = arena.allocate(SEGMENT_BYTES);
            UnsafeApi.setMemory(arena.address(handles[index]), SEGMENT_BYTES, pattern(index));
            written(space, arena.address(handles[index]), SEGMENT_BYTES);
        }
        final int[] order = shuffled(blockCount, SEED);
        final boolean[] freed = new boolean[blockCount];
        for (int rank = 0; rank < blockCount / 2; rank++) {
            freed[order[rank]] = true;
            arena.free(handles[order[rank]]);
        }
        final long[] liveHandles = new long[blockCount - blockCount / 2];
        final byte[] livePatterns = new byte[liveHandles.length];
        int live = 0;
        for (int index = 0; index < blockCount; index++) {
            if (!freed[index]) {
                liveHandles[live] = handles[index];
                livePatterns[live++] = pattern(index);
            }
        }
        return new ChurnedSegments(arena, space.pageSize(), liveHandles, livePatterns);
    }

    /** Tells a simulated address space which pages were written (the kernel sees the faults itself). */
    static void written(final AddressSpace space, final long address, final long lengthBytes) {
        if (space instanceof FaultObserver) {
            ((FaultObserver)space).written(address, lengthBytes);
        }
    }

    /** 0 to count - 1 in a random order drawn from {@code seed} (Fisher-Yates). */
    static int[] shuffled(final int count, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int[] order = new int[count];
        for (int index = 0; index < count; index++) {
            order[index] = index;
        }
        for (int index = count - 1; index > 0; index--) {
            final int other = random.nextInt(index + 1);
            final int kept = order[index];
            order[index] = order[other];
            order[other] = kept;
        }
        return order;
    }

    private static byte pattern(final int blockIndex) {
        return (byte)(1 + blockIndex % 251); // never 0: a page that lost its contents reads 0
    }

    Arena arena() {
        return arena;
    }

    int liveBlocks() {
        return liveHandles.length;
    }

    /**
     * Checks that every live block still holds its byte on every page (first and last byte of
     * each), and that the arena is as dense as it gets: every live segment used, none free
     * below the live ones.
     *
     * @throws IllegalStateException naming the first difference
     */
    void check() {
        for (int live = 0; live < liveHandles.length; live++) {
            final long address = arena.address(liveHandles[live]);
            for (long offset = 0; offset < SEGMENT_BYTES; offset += pageSize) {
                if (UnsafeApi.getByte(address + offset) != livePatterns[live]
                    || UnsafeApi.getByte(address + offset + pageSize - 1) != livePatterns[live]) {
                    throw new IllegalStateException("CompactionBenchmark measured something else: live block " + live
                        + " lost its contents at offset " + offset);
                }
            }
        }
        final ArenaStats stats = arena.stats();
        if (stats.runSegments() != liveHandles.length) {
            throw new IllegalStateException("CompactionBenchmark measured something else: " + stats.runSegments()
                + " run segments in use, not the " + liveHandles.length + " live blocks");
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
