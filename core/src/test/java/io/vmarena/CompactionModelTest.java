package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random allocate, free, reallocate, trim, compaction slices of every budget and full
 * compactions against a model of every live block (its handle, length and pattern) and of the
 * handles freed: after each step every byte of every live block is checked and every freed
 * handle kept is refused. With a relocation listener the model follows each block to its new
 * handle (and the old one is refused); without, it keeps the old handle, which must keep
 * working. Compactions evacuate and pack (each run must have packed a segment at least). Seeds
 * from {@code vmarena.compaction.seed} ({@code vmarena.compaction.seeds} of them).
 */
class CompactionModelTest {
    private static final int STEPS = 400;
    /** Freed handles checked after each step: the most recent ones. */
    private static final int FREED_KEPT = 48;
    /** Slices with a budget too short for any work must still get there: each does some. */
    private static final int SLICES_AT_MOST = 10_000;

    @ParameterizedTest
    @CsvSource({"6.17, 4096, true", "6.17, 16384, false", "6.1, 4096, false", "6.1, 65536, true"})
    void shouldKeepEveryByteAndHandleThroughRandomOperationsAndCompactions(final String kernel, final long pageSize,
        final boolean listened) {
        final long firstSeed = Long.getLong("vmarena.compaction.seed", 1);
        final int seeds = Integer.getInteger("vmarena.compaction.seeds", 3);
        for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.forKernel(kernel)
                .withPageSize(pageSize))) {
                new Model(space, seed, listened).run();
            } catch (final AssertionError | RuntimeException failure) {
                throw new AssertionError("seed " + seed + " on " + kernel + ", " + pageSize + " B pages, listener "
                    + listened + ": replay with -Dvmarena.compaction.seed=" + seed + " -Dvmarena.compaction.seeds=1",
                    failure);
            }
        }
    }

    /** One run: the arena, the model, and the random steps. */
    private static final class Model {
        private final SimulatedAddressSpace space;
        private final SplittableRandom random;
        private final long segmentBytes;
        private final LiveBlocks blocks;
        private final List<Long> freed = new ArrayList<>();
        private final List<long[]> relocations = new ArrayList<>();
        private final boolean listened;
        /** Segments packed by the compactions the model counts: the run must have packed some. */
        private int packedSegments;

        Model(final SimulatedAddressSpace space, final long seed, final boolean listened) {
            this.space = space;
            this.random = new SplittableRandom(seed);
            this.segmentBytes = Math.max(64L << 10, 16 * space.pageSize()); // room for a page of holes below a top
            this.blocks = new LiveBlocks(space);
            this.listened = listened;
        }

        void run() {
            final Arena.Builder builder = Arena.builder().addressSpace(space).segmentBytes(segmentBytes)
                .initialBytes(4 * segmentBytes).maximumBytes(256 * segmentBytes).retainedBytes(2 * segmentBytes)
                .evacuationThreshold(0.25 + random.nextDouble() / 2);
            if (listened) {
                builder.relocationListener((oldHandle, newHandle) -> relocations.add(new long[] {oldHandle, newHandle}));
            }
            try (Arena arena = builder.build()) {
                for (int index = 0; index < STEPS; index++) {
                    final int step = index;
                    final String done = step(arena);
                    follow(arena);
                    blocks.checkAll(arena::address, arena::capacity, "step " + step + " (" + done + ")");
                    for (final long handle : freed) {
                        assertThrows(IllegalArgumentException.class, () -> arena.address(handle),
                            () -> "step " + step + " (" + done + "): freed " + Long.toHexString(handle));
                    }
                }
                assertTrue(arena.compact().complete());
                follow(arena);
                blocks.checkAll(arena::address, arena::capacity, "at the end");
                assertTrue(packedSegments > 0, "the random frees left segments to pack, and compactions packed them");
            }
        }

        /** With a listener, the model takes each new handle, and the old one must be refused from now on. */
        private void follow(final Arena arena) {
            for (final long[] relocation : relocations) {
                boolean found = false;
                for (final LiveBlocks.Block block : blocks.blocks()) {
                    if (block.handle == relocation[0]) {
                        block.handle = relocation[1];
                        found = true;
                    }
                }
                assertTrue(found, "the listener was told of a block the model has");
                assertThrows(IllegalArgumentException.class, () -> arena.address(relocation[0]));
                forget(relocation[0]);
            }
            relocations.clear();
        }

        private void forget(final long handle) {
            freed.add(handle);
            if (freed.size() > FREED_KEPT) {
                freed.remove(0);
            }
        }

        private String step(final Arena arena) {
            final int choice = random.nextInt(100);
            if (choice < 40 || blocks.size() == 0) {
                // One in three of one class, 32 to a segment: its segments fill, random frees leave
                // holes below their top blocks, and compaction packs them.
                final int kind = random.nextInt(6);
                final long length = kind == 0 ? 1 + random.nextLong(3 * segmentBytes)
                    : kind <= 2 ? segmentBytes / 32 - random.nextInt(16)
                    : 1 + random.nextInt(random.nextBoolean() ? 64 : 4096);
                final long handle = arena.allocate(length);
                blocks.write(arena.address(handle), blocks.add(handle, length, random.nextLong()), 0);
                return "allocate " + length;
            }
            if (choice < 75) {
                final long handle = blocks.remove(random.nextInt(blocks.size())).handle;
                arena.free(handle);
                forget(handle);
                return "free";
            }
            if (choice < 85) {
                final LiveBlocks.Block block = blocks.blocks().get(random.nextInt(blocks.size()));
                final long length = random.nextBoolean() ? 1 + random.nextInt(4096) : 1 + random.nextLong(3 * segmentBytes);
                final long oldHandle = block.handle;
                final long kept = Math.min(length, block.lengthBytes);
                block.handle = arena.reallocate(oldHandle, length);
                // The old handle is not to be used again, but is not refused when it forwarded to the
                // block whose handle reallocate returned: not checked.
                block.lengthBytes = length;
                blocks.write(arena.address(block.handle), block, kept); // the rest written now
                return "reallocate to " + length;
            }
            if (choice < 88) {
                arena.trim(random.nextBoolean() ? Long.MAX_VALUE : segmentBytes);
                return "trim";
            }
            if (choice < 96) {
                final Duration budget = random.nextBoolean() ? Duration.ofNanos(1) : Duration.ofMillis(1);
                final CompactionResult slice = arena.compactSlice(budget);
                assertEquals(1, slice.slices());
                packedSegments += slice.packedSegments();
                return "compactSlice(" + budget + ") " + slice;
            }
            if (choice < 98) {
                return "slices of 1 ns until complete: " + slicesUntilComplete(arena);
            }
            final CompactionResult result = arena.compact();
            assertTrue(result.complete(), result::toString);
            packedSegments += result.packedSegments();
            return "compact " + result;
        }

        private int slicesUntilComplete(final Arena arena) {
            for (int slice = 1; slice <= SLICES_AT_MOST; slice++) {
                if (arena.compactSlice(Duration.ofNanos(1)).complete()) {
                    follow(arena);
                    return slice;
                }
                follow(arena);
            }
            throw new AssertionError(SLICES_AT_MOST + " slices of 1 ns did not complete a compaction: each slice must "
                + "make progress, however short its budget");
        }
    }
}
