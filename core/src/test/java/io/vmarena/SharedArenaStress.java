package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.AddressSpace;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers check every byte of long-lived blocks inside read sections while other threads
 * allocate, write, reallocate (large blocks move) and free, and one thread forces the arena to
 * grow by moving. A reader that ever sees memory mid-move fails a checksum (on the simulator,
 * which poisons what a move leaves) or crashes the JVM (on Linux, where the old range is gone).
 * Runs {@code vmarena.stress.seconds} seconds (default 2).
 */
public final class SharedArenaStress {
    private static final int STABLE_BLOCKS = 24;
    private static final int READERS = 2;
    private static final int CHURNERS = 2;

    private final AddressSpace space;
    private final long segmentBytes;
    private final AtomicLong verifiedBlocks = new AtomicLong();
    /** Each churner's own blocks. */
    private final ThreadLocal<LiveBlocks> own = new ThreadLocal<>();
    /** The grower's blocks. */
    private final List<Long> grown = new ArrayList<>();

    public SharedArenaStress(final AddressSpace space) {
        this.space = space;
        this.segmentBytes = Math.max(64L << 10, 4 * space.pageSize());
    }

    /** Runs the threads for the configured time; throws the first failure any of them met. */
    public void run() throws InterruptedException {
        final long millis = (long)(1000 * Double.parseDouble(System.getProperty("vmarena.stress.seconds", "2")));
        try (Arena arena = Arena.builder().name("stress").addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(segmentBytes).initialBytes(4 * segmentBytes).maximumBytes(1024 * segmentBytes)
            .inPlaceGrowth(false).build()) {
            final List<LiveBlocks.Block> stable = stableBlocks(arena);
            final StressThreads threads = new StressThreads();
            for (int reader = 0; reader < READERS; reader++) {
                threads.add("reader-" + reader, reader, seed -> read(arena, stable, seed));
            }
            for (int churner = 0; churner < CHURNERS; churner++) {
                threads.add("churner-" + churner, 100 + churner, seed -> churn(arena, seed));
            }
            threads.add("grower", 200, seed -> grow(arena));
            threads.start();
            Thread.sleep(millis);
            threads.stopAndJoin();
            final ArenaStats stats = arena.stats();
            assertTrue(stats.moves() > 0, "memory moved under the readers: " + stats);
            assertTrue(verifiedBlocks.get() > 0, "the readers checked blocks");
            System.out.printf("shared-arena stress on %s: %.1f s, %d blocks checked by readers, %d moves, %d grows%n",
                space.capabilities().backend(), millis / 1000.0, verifiedBlocks.get(), stats.moves(), stats.grows());
            for (final LiveBlocks.Block block : stable) {
                new LiveBlocks(space).check(arena.address(block.handle), block.seed, block.lengthBytes, "at the end");
            }
        }
    }

    private List<LiveBlocks.Block> stableBlocks(final Arena arena) {
        final LiveBlocks blocks = new LiveBlocks(space);
        final SplittableRandom random = new SplittableRandom(1);
        for (int index = 0; index < STABLE_BLOCKS; index++) {
            final long lengthBytes = index % 6 == 0 ? segmentBytes + random.nextLong(segmentBytes)
                : 1 + random.nextLong(segmentBytes / 4);
            final LiveBlocks.Block block = blocks.add(arena.allocate(lengthBytes), lengthBytes, random.nextLong());
            try (ReadSection section = arena.read()) {
                blocks.write(arena.address(block.handle), block, 0);
            }
        }
        return List.copyOf(blocks.blocks());
    }

    private void read(final Arena arena, final List<LiveBlocks.Block> stable, final SplittableRandom random) {
        final LiveBlocks checker = new LiveBlocks(space);
        final LiveBlocks.Block block = stable.get(random.nextInt(stable.size()));
        try (ReadSection section = arena.read()) {
            checker.check(arena.address(block.handle), block.seed, block.lengthBytes, "a stable block");
        }
        verifiedBlocks.incrementAndGet();
    }

    private void churn(final Arena arena, final SplittableRandom random) {
        LiveBlocks blocks = own.get();
        if (blocks == null) {
            blocks = new LiveBlocks(space);
            own.set(blocks);
        }
        if (blocks.size() > 12 || blocks.size() > 0 && random.nextInt(3) == 0) {
            arena.free(blocks.remove(random.nextInt(blocks.size())).handle);
            return;
        }
        if (blocks.size() > 0 && random.nextInt(3) == 0) {
            final LiveBlocks.Block block = blocks.blocks().get(random.nextInt(blocks.size()));
            block.handle = arena.reallocate(block.handle, block.lengthBytes + segmentBytes);
            try (ReadSection section = arena.read()) {
                blocks.check(arena.address(block.handle), block.seed, block.lengthBytes, "a reallocated block");
            }
            return;
        }
        final long lengthBytes = random.nextInt(4) == 0 ? segmentBytes + random.nextLong(2 * segmentBytes)
            : 1 + random.nextLong(segmentBytes / 4);
        final LiveBlocks.Block block = blocks.add(arena.allocate(lengthBytes), lengthBytes, random.nextLong());
        try (ReadSection section = arena.read()) {
            blocks.write(arena.address(block.handle), block, 0);
            blocks.check(arena.address(block.handle), block.seed, lengthBytes, "a new block");
        }
    }

    /** Allocates past the free segments, so the arena must grow (by moving); frees it all at half the maximum. */
    private void grow(final Arena arena) {
        final ArenaStats stats = arena.stats();
        if (stats.reservedBytes() >= 256 * segmentBytes) {
            grown.forEach(arena::free);
            grown.clear();
            return;
        }
        grown.add(arena.allocate((stats.freeSegments() + 1) * segmentBytes));
        sleepQuietly();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(20);
        } catch (final InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
