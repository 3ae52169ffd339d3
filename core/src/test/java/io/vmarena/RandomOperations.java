package io.vmarena;

import io.vmarena.support.LiveBlocks;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A seeded random sequence of allocate, write, free, reallocate, grow and trim on one arena,
 * with every byte of every live block checked after every step (see {@link LiveBlocks}). Lengths
 * are mostly small, some up to a quarter segment, some runs of up to three segments; growth is
 * forced now and then by a run longer than the arena's free segments.
 */
final class RandomOperations {
    private static final int MAX_LIVE_BLOCKS = 48;

    private final Arena arena;
    private final LiveBlocks blocks;
    private final SplittableRandom random;
    private final long segmentBytes;

    RandomOperations(final Arena arena, final LiveBlocks blocks, final long seed, final long segmentBytes) {
        this.arena = arena;
        this.blocks = blocks;
        this.random = new SplittableRandom(seed);
        this.segmentBytes = segmentBytes;
    }

    void run(final int steps) {
        for (int step = 0; step < steps; step++) {
            final String done = step(random.nextInt(100));
            blocks.checkAll(arena::address, arena::capacity, "step " + step + " (" + done + ")");
        }
        while (blocks.size() > 0) {
            arena.free(blocks.remove(blocks.size() - 1).handle);
        }
        assertEquals(0, arena.stats().usedBytes(), "every block freed");
    }

    private String step(final int dice) {
        if (blocks.size() >= MAX_LIVE_BLOCKS || dice < 20 && blocks.size() > 0) {
            final LiveBlocks.Block block = blocks.remove(random.nextInt(blocks.size()));
            arena.free(block.handle);
            return "free " + block.lengthBytes;
        }
        if (dice < 35 && blocks.size() > 0) {
            final LiveBlocks.Block block = blocks.blocks().get(random.nextInt(blocks.size()));
            final long oldLength = block.lengthBytes;
            final long newLength = randomLength();
            block.handle = arena.reallocate(block.handle, newLength);
            blocks.check(arena.address(block.handle), block.seed, Math.min(oldLength, newLength), "kept bytes");
            block.lengthBytes = newLength;
            blocks.write(arena.address(block.handle), block, Math.min(oldLength, newLength));
            return "reallocate " + oldLength + " to " + newLength;
        }
        if (dice < 45 && blocks.size() > 0) {
            final LiveBlocks.Block block = blocks.blocks().get(random.nextInt(blocks.size()));
            block.seed = random.nextLong();
            blocks.write(arena.address(block.handle), block, 0);
            return "rewrite " + block.lengthBytes;
        }
        if (dice < 50) {
            final ArenaStats stats = arena.stats();
            if (stats.reservedBytes() <= 64 * segmentBytes) {
                return allocate((stats.freeSegments() + 1) * segmentBytes) + " to grow";
            }
        }
        if (dice < 55) {
            final long bytes = random.nextLong(8 * segmentBytes);
            return "trim " + bytes + ": " + arena.trim(bytes);
        }
        if (dice < 58) {
            long capacities = 0;
            for (final LiveBlocks.Block block : blocks.blocks()) {
                capacities += arena.capacity(block.handle);
            }
            assertEquals(capacities, arena.stats().usedBytes(), "used bytes are the live blocks' capacities");
            return "stats";
        }
        return allocate(randomLength());
    }

    private String allocate(final long lengthBytes) {
        final LiveBlocks.Block block = blocks.add(arena.allocate(lengthBytes), lengthBytes, random.nextLong());
        blocks.write(arena.address(block.handle), block, 0);
        return "allocate " + lengthBytes;
    }

    private long randomLength() {
        final int kind = random.nextInt(100);
        if (kind < 60) {
            return 1 + random.nextInt(256);
        }
        if (kind < 85) {
            return 257 + random.nextLong(segmentBytes / 4 - 256);
        }
        return segmentBytes / 4 + 1 + random.nextLong(3 * segmentBytes);
    }
}
