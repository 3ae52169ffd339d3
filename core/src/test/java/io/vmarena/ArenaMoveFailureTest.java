package io.vmarena;

import io.vmarena.support.FailingAddressSpace;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A move the kernel refuses part way (vm.max_map_count reached between two VMAs) is undone:
 * whatever the limit, a failed growth leaves the arena where it was with every byte of every
 * block intact, and the arena goes on working. Swept over every limit from "cannot even start"
 * to "always fits", on both simulated kernels.
 */
class ArenaMoveFailureTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @ParameterizedTest
    @ValueSource(strings = {"6.17", "6.1"})
    void shouldUndoAGrowthThatFailsPartWay(final String kernel) {
        int refused = 0;
        for (long limit = 4; limit <= 40; limit++) {
            final KernelProfile profile = KernelProfile.forKernel(kernel).withMaxMapCount(limit);
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(profile)) {
                Arena built = null;
                final LiveBlocks blocks = new LiveBlocks(space);
                try {
                    built = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
                        .initialBytes(8 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).inPlaceGrowth(false).build();
                    fragmentIntoManyVmas(built, blocks);
                } catch (final RuntimeException tooFewMappings) {
                    if (built != null) {
                        built.close(); // the simulator refuses to close under an open arena
                    }
                    continue; // the limit is too low to build the arena at all
                }
                final Arena arena = built;
                final long base = arena.baseAddress();
                        try {
                    final long big = arena.allocate(8 * SEGMENT_BYTES);
                    blocks.write(arena.address(big), blocks.add(big, 8 * SEGMENT_BYTES, 99), 0);
                } catch (final ArenaFullException failure) {
                    refused++;
                    assertEquals(base, arena.baseAddress(), "a refused growth leaves the arena where it was");
                    assertEquals(0, failure.getCause().getSuppressed().length, "nothing left to undo");
                }
                blocks.checkAll(arena::address, arena::capacity, "limit " + limit);
                arena.free(arena.allocate(64));
                arena.close();
            }
        }
        assertTrue(refused > 0, "some limit refused the growth");
    }

    /**
     * One mremap per VMA (Linux 6.1), the n-th refused: the pieces moved before it go back, for
     * every n, and a later growth succeeds.
     */
    @org.junit.jupiter.api.Test
    void shouldMoveBackThePiecesAMoveLeftBehindWhenItFailsPartWay() {
        int partialMoves = 0;
        for (int remaps = 0; remaps < 8; remaps++) {
            try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_1)) {
                final FailingAddressSpace space = new FailingAddressSpace(simulator);
                final LiveBlocks blocks = new LiveBlocks(space);
                final Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
                    .initialBytes(8 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).inPlaceGrowth(false).build();
                fragmentIntoManyVmas(arena, blocks);
                final long base = arena.baseAddress();
                final long movedBefore = simulator.counters().vmasMoved();
                space.failRemapAfter(remaps);
                try {
                    arena.allocate(8 * SEGMENT_BYTES);
                    space.failRemapAfter(-1);
                } catch (final ArenaFullException failure) {
                    assertEquals(base, arena.baseAddress(), "a failed growth leaves the arena where it was");
                    assertEquals(0, failure.getCause().getSuppressed().length, "the partial move was undone");
                    if (simulator.counters().vmasMoved() > movedBefore) {
                        partialMoves++;
                    }
                    blocks.checkAll(arena::address, arena::capacity, "after " + remaps + " remaps and a failure");
                    final long big = arena.allocate(8 * SEGMENT_BYTES);
                    assertTrue(arena.baseAddress() != base, "the next growth moves");
                    arena.free(big);
                }
                blocks.checkAll(arena::address, arena::capacity, "with " + remaps + " remaps before the failure");
                arena.close();
                assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), "nothing left mapped");
            }
        }
        assertTrue(partialMoves >= 2, "moves that failed after moving some VMAs: " + partialMoves);
    }

    /** Runs moved within the arena leave VMAs the kernel does not merge back. */
    static void fragmentIntoManyVmas(final Arena arena, final LiveBlocks blocks) {
        final long small = arena.allocate(100);
        blocks.write(arena.address(small), blocks.add(small, 100, 1), 0);
        final long first = arena.allocate(SEGMENT_BYTES);
        blocks.write(arena.address(first), blocks.add(first, SEGMENT_BYTES, 2), 0);
        final long second = arena.allocate(SEGMENT_BYTES);
        blocks.write(arena.address(second), blocks.add(second, SEGMENT_BYTES, 3), 0);
        final LiveBlocks.Block grown = blocks.blocks().get(1);
        grown.handle = arena.reallocate(first, 2 * SEGMENT_BYTES);
    }
}
