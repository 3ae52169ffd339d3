package io.vmarena.examples;

import com.google.gson.JsonObject;
import io.vmarena.Arena;
import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;

import java.util.SplittableRandom;

/**
 * Step 2 of the demo: a fresh arena is filled with a realistic mix, half of the bytes in many
 * small blocks of mixed sizes, half in large blocks spread among them, and every byte of every
 * block is written with its seeded pattern.
 */
final class FillStep {
    private final Demo demo;
    private final DemoScale scale;
    private final long seed;

    FillStep(final Demo demo, final long seed) {
        this.demo = demo;
        this.scale = demo.scale();
        this.seed = seed;
    }

    void run() {
        final Arena arena = demo.arena();
        final BlockLedger ledger = demo.ledger();
        final SplittableRandom random = new SplittableRandom(seed);
        final long[] bytes = new long[2];
        final int[] counts = new int[2];
        long allocateNanos = 0;
        long writeNanos = 0;
        demo.begin("2. Fill");
        final DemoProgress progress = demo.progress();
        while (bytes[0] + bytes[1] < scale.fillBytes()) {
            // Large blocks keep pace with small ones, so they are spread among them.
            final boolean large = bytes[1] < bytes[0] && bytes[1] < scale.fillBytes() / 2;
            final long lengthBytes = large ? random.nextLong(scale.largeMinBytes(), scale.largeMaxBytes() + 1)
                : logUniform(random, scale.smallMinBytes(), scale.smallMaxBytes());
            final long allocating = System.nanoTime();
            final int block = ledger.add(arena.allocate(lengthBytes), lengthBytes, large);
            final long writing = System.nanoTime();
            ledger.write(arena, block);
            allocateNanos += writing - allocating;
            writeNanos += System.nanoTime() - writing;
            demo.history().allocated(block, lengthBytes, large);
            bytes[large ? 1 : 0] += lengthBytes;
            counts[large ? 1 : 0]++;
            progress.advance(bytes[0] + bytes[1], scale.fillBytes());
        }
        final ArenaStats filled = arena.stats();
        final ArenaResidency filledMemory = arena.residency();
        demo.noteRange(filled);
        record(demo.figures().step("fill"), bytes, counts, allocateNanos, writeNanos, filled, filledMemory);
        demo.heading("2. Fill: " + Bytes.format(bytes[0] + bytes[1]) + " in " + DemoText.count(ledger.blockCount())
            + " blocks, every byte written with a seeded pattern (seed " + seed + ")");
        demo.line(DemoText.count(counts[0]) + " small blocks of " + Bytes.format(scale.smallMinBytes()) + " to "
            + Bytes.format(scale.smallMaxBytes()) + " (" + Bytes.format(bytes[0]) + "), " + counts[1] + " large of "
            + Bytes.format(scale.largeMinBytes()) + " to " + Bytes.format(scale.largeMaxBytes()) + " ("
            + Bytes.format(bytes[1]) + "), in segments of " + Bytes.format(scale.segmentBytes()));
        demo.line("took " + demo.time(allocateNanos + writeNanos) + ": allocating "
            + demo.time(allocateNanos) + ", writing " + demo.time(writeNanos));
        demo.stats(filled, filledMemory);
        demo.line("used (" + Bytes.format(filled.usedBytes()) + ") is more than the " + Bytes.format(bytes[0] + bytes[1])
            + " filled: a small block takes its whole size class, a large one whole segments (a run)");
        demo.line("fragmentation: the share of the bytes in small-block and run segments not handed out");
        demo.blank();
    }

    private void record(final JsonObject json, final long[] bytes, final int[] counts, final long allocateNanos,
        final long writeNanos, final ArenaStats filled, final ArenaResidency filledMemory) {
        json.addProperty("filledBytes", bytes[0] + bytes[1]);
        json.addProperty("blockCount", counts[0] + counts[1]);
        json.addProperty("smallBlockCount", counts[0]);
        json.addProperty("smallBlockBytes", bytes[0]);
        json.addProperty("smallMinBytes", scale.smallMinBytes());
        json.addProperty("smallMaxBytes", scale.smallMaxBytes());
        json.addProperty("largeBlockCount", counts[1]);
        json.addProperty("largeBlockBytes", bytes[1]);
        json.addProperty("largeMinBytes", scale.largeMinBytes());
        json.addProperty("largeMaxBytes", scale.largeMaxBytes());
        json.addProperty("allocateNanos", allocateNanos);
        json.addProperty("writeNanos", writeNanos);
        json.add("stats", DemoFigures.stats(filled, filledMemory));
    }

    /** A length drawn so that every doubling between the bounds is as likely. */
    private static long logUniform(final SplittableRandom random, final long minBytes, final long maxBytes) {
        return Math.round(Math.exp(random.nextDouble(Math.log(minBytes), Math.log(maxBytes))));
    }
}
