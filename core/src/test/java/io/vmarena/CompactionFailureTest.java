package io.vmarena;

import io.vmarena.support.FailingAddressSpace;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Errno;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A move the system refuses part way through a compaction is undone, with every byte intact:
 * swept over every mremap of the compaction (the first piece of a run, a later piece whose
 * earlier ones must go back, one VMA of several on 6.1), and over every vm.max_map_count from
 * "cannot start" to "always fits" (a multi-VMA move that stops between two VMAs). After each
 * failure: CompactionFailedException with the system's error as cause, every block where it
 * was, the arena usable, and a later compact() that completes.
 */
class CompactionFailureTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    /**
     * Sixteen one-segment blocks, islands slid once (so four of them are VMAs of their own), then
     * three segments of 256-byte blocks after them (two sparse: one is evacuated into the other),
     * then the first three blocks freed: runs of several pieces over several VMAs.
     */
    private static Arena layout(final AddressSpace space, final LiveBlocks blocks) {
        final Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
            .initialBytes(32 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0)
            .compactionPauseBudget(Duration.ofSeconds(60)).build();
        try {
            final long[] handles = new long[16];
            for (int place = 0; place < 16; place++) {
                handles[place] = arena.allocate(SEGMENT_BYTES);
                blocks.write(arena.address(handles[place]), blocks.add(handles[place], SEGMENT_BYTES, place), 0);
            }
            for (final int place : new int[] {8, 10, 12, 14}) {
                free(arena, blocks, handles[place]);
            }
            arena.compact();
            final List<Long> small = new ArrayList<>();
            final int slots = (int)(SEGMENT_BYTES / 256);
            for (int index = 0; index < 3 * slots; index++) {
                small.add(arena.allocate(256));
            }
            for (int index = 0; index < small.size(); index++) {
                if (index % 16 == 0 || index >= 2 * slots) {
                    blocks.write(arena.address(small.get(index)), blocks.add(small.get(index), 256, 1000 + index), 0);
                } else {
                    arena.free(small.get(index));
                }
            }
            for (final int place : new int[] {0, 1, 2}) {
                free(arena, blocks, handles[place]);
            }
            return arena;
        } catch (final RuntimeException refused) {
            arena.close();
            throw refused;
        }
    }

    private static void free(final Arena arena, final LiveBlocks blocks, final long handle) {
        arena.free(handle);
        blocks.blocks().removeIf(block -> block.handle == handle);
    }

    private static List<Long> addresses(final Arena arena, final LiveBlocks blocks) {
        final List<Long> addresses = new ArrayList<>();
        for (final LiveBlocks.Block block : blocks.blocks()) {
            addresses.add(arena.address(block.handle));
        }
        return addresses;
    }

    /** The system calls of the layout's compaction, none refused. */
    private static long callsWithoutFailure(final String kernel) {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.forKernel(kernel))) {
            final LiveBlocks blocks = new LiveBlocks(space);
            try (Arena arena = layout(space, blocks)) {
                final CompactionResult result = arena.compact();
                assertTrue(result.complete(), result::toString);
                assertEquals(1, result.evacuatedSegments(), result::toString);
                blocks.checkAll(arena::address, arena::capacity, kernel + " without a failure");
                System.out.println(kernel + ": the layout compacts with " + result);
                return result.systemCalls();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"6.17", "6.1"})
    void shouldUndoEveryMoveOfACompactionThatFailsAtAnyCall(final String kernel) {
        final long calls = callsWithoutFailure(kernel);
        assertTrue(calls >= (kernel.equals("6.17") ? 4 : 7), "runs of several pieces and VMAs: " + calls);
        for (int remaps = 0; remaps < calls; remaps++) {
            try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.forKernel(kernel))) {
                final FailingAddressSpace space = new FailingAddressSpace(simulator);
                final LiveBlocks blocks = new LiveBlocks(space);
                try (Arena arena = layout(space, blocks)) {
                    space.failRemapAfter(remaps);
                    final String step = kernel + ", mremap " + remaps + " of " + calls + " refused";
                    final CompactionFailedException failure = assertThrows(CompactionFailedException.class,
                        arena::compact, step);
                    assertEquals(VmException.class, failure.getCause().getClass(), step);
                    assertEquals(Errno.ENOMEM, ((VmException)failure.getCause()).errno(), step);
                    assertTrue(failure.getMessage().contains("was undone"), failure::getMessage);
                    assertTrue(arena.isOpen(), step + ": the arena is usable");
                    blocks.checkAll(arena::address, arena::capacity, step);
                    final long extra = arena.allocate(3 * SEGMENT_BYTES);
                    blocks.write(arena.address(extra), blocks.add(extra, 3 * SEGMENT_BYTES, 7), 0);
                    blocks.checkAll(arena::address, arena::capacity, step + ", allocated after");
                    free(arena, blocks, extra);
                    final CompactionResult again = arena.compact();
                    assertTrue(again.complete(), step + ": " + again);
                    blocks.checkAll(arena::address, arena::capacity, step + ", compacted again");
                }
            }
        }
    }

    /**
     * A failure between pieces of one run: the earlier pieces go back, so every block is at the
     * address it had before the compaction (the evacuation before the slide stands).
     */
    @ParameterizedTest
    @ValueSource(strings = {"6.17", "6.1"})
    void shouldPutEveryBlockBackWhereItWasWhenALaterPieceFails(final String kernel) {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.forKernel(kernel))) {
            final FailingAddressSpace space = new FailingAddressSpace(simulator);
            final LiveBlocks blocks = new LiveBlocks(space);
            try (Arena arena = layout(space, blocks)) {
                assertTrue(arena.compact().complete());
                // Dense now: free the first block, and everything after it slides by one segment, in pieces of one.
                final LiveBlocks.Block first = blocks.blocks().get(0);
                free(arena, blocks, first.handle);
                final List<Long> before = addresses(arena, blocks);
                space.failRemapAfter(1); // the second call fails, the first goes back
                assertThrows(CompactionFailedException.class, arena::compact);
                assertEquals(before, addresses(arena, blocks), "every block where it was");
                blocks.checkAll(arena::address, arena::capacity, "after the undo");
                // The freed place the first piece moved into (and back out of) is the lowest free one.
                final long again = arena.allocate(SEGMENT_BYTES);
                assertEquals(arena.baseAddress(), arena.address(again));
                assertEquals(List.of(Protection.READ_WRITE), protections(simulator, arena.address(again), SEGMENT_BYTES),
                    "a block is never handed out over unmapped memory (on Linux a write there would crash the JVM)");
                blocks.write(arena.address(again), blocks.add(again, SEGMENT_BYTES, 55), 0);
                assertTrue(arena.compact().complete());
                blocks.checkAll(arena::address, arena::capacity, "compacted at last");
            }
        }
    }

    /**
     * The same for a large block that moves to grow, once compaction has split it into two VMAs
     * (slid, then grown in place): on 6.1 it moves one VMA per call, the second is refused, the
     * first goes back, and the free places it had moved into must not be handed out unmapped.
     */
    @org.junit.jupiter.api.Test
    void shouldNotHandOutTheHoleAGrowthMoveRefusedPartWayLeft() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_1)) {
            final FailingAddressSpace space = new FailingAddressSpace(simulator);
            final LiveBlocks blocks = new LiveBlocks(space);
            try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(32 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0)
                .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
                final long first = arena.allocate(2 * SEGMENT_BYTES);
                final long grown = arena.allocate(2 * SEGMENT_BYTES);
                final LiveBlocks.Block block = blocks.add(grown, 2 * SEGMENT_BYTES, 21);
                blocks.write(arena.address(grown), block, 0); // faulted: it keeps its pgoff when it slides
                arena.free(first);
                arena.compact(); // grown slides to place 0
                assertEquals(grown, arena.reallocate(grown, 3 * SEGMENT_BYTES), "grows in place into place 2");
                block.lengthBytes = 3 * SEGMENT_BYTES;
                blocks.write(arena.address(grown), block, 2 * SEGMENT_BYTES);
                final long blocker = arena.allocate(SEGMENT_BYTES); // place 3: the block cannot grow in place again
                assertEquals(2, simulator.mappings(arena.address(grown), arena.address(grown) + 3 * SEGMENT_BYTES)
                    .size(), "the block is two VMAs");
                space.failRemapAfter(1);
                assertThrows(ArenaFullException.class, () -> arena.reallocate(grown, 4 * SEGMENT_BYTES));
                blocks.checkAll(arena::address, arena::capacity, "after the refused growth");
                for (int index = 0; index < 4; index++) {
                    final long again = arena.allocate(SEGMENT_BYTES);
                    assertEquals(List.of(Protection.READ_WRITE), protections(simulator, arena.address(again),
                        SEGMENT_BYTES), "a block is never handed out over unmapped memory");
                    blocks.write(arena.address(again), blocks.add(again, SEGMENT_BYTES, index), 0);
                }
                arena.free(blocker);
                blocks.checkAll(arena::address, arena::capacity, "at the end");
            }
        }
    }

    /** The protections over {@code [address, address + lengthBytes)}, a hole as null. */
    private static List<Protection> protections(final SimulatedAddressSpace space, final long address,
        final long lengthBytes) {
        final List<Protection> protections = new ArrayList<>();
        long cursor = address;
        for (final Mapping mapping : space.mappings(address, address + lengthBytes)) {
            if (mapping.startAddress() > cursor) {
                protections.add(null);
            }
            protections.add(mapping.protection());
            cursor = mapping.endAddress();
        }
        if (cursor < address + lengthBytes) {
            protections.add(null);
        }
        return protections;
    }

    /** Undo refused too: the arena is failed, says so on every call but close, and close unmaps it. */
    @ParameterizedTest
    @ValueSource(strings = {"6.17", "6.1"})
    void shouldFailTheArenaWhenTheUndoIsRefusedToo(final String kernel) {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.forKernel(kernel))) {
            final FailingAddressSpace space = new FailingAddressSpace(simulator);
            final Arena arena = layout(space, new LiveBlocks(space));
            space.failRemapsFrom(1); // the first piece moves, the second and its undo are refused
            final IllegalStateException failed = assertThrows(IllegalStateException.class, arena::compact);
            assertTrue(!arena.isOpen(), "the arena is failed");
            final IllegalStateException later = assertThrows(IllegalStateException.class, () -> arena.allocate(16));
            assertEquals(failed.getMessage(), later.getMessage());
            space.failRemapAfter(-1);
            arena.close(); // unmaps both places: the simulator refuses to close otherwise
        }
    }

    /**
     * vm.max_map_count reached part way: a multi-VMA move that stops between two VMAs, a per-VMA
     * move whose split cannot be made. Every limit from too low to build the layout to enough.
     */
    @ParameterizedTest
    @ValueSource(strings = {"6.17", "6.1"})
    void shouldUndoACompactionThatRunsOutOfMappings(final String kernel) {
        int refused = 0;
        int completed = 0;
        for (long limit = 4; limit <= 24; limit++) {
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.forKernel(kernel)
                .withMaxMapCount(limit))) {
                final LiveBlocks blocks = new LiveBlocks(space);
                final Arena arena;
                try {
                    arena = layout(space, blocks);
                } catch (final RuntimeException tooFewMappings) {
                    continue; // the limit is too low to build the layout (layout closed its arena)
                }
                try {
                    final CompactionResult result = arena.compact();
                    assertTrue(result.complete(), result::toString);
                    completed++;
                } catch (final CompactionFailedException failure) {
                    refused++;
                    assertTrue(arena.isOpen(), "limit " + limit + ": usable after " + failure.getMessage());
                }
                blocks.checkAll(arena::address, arena::capacity, kernel + ", max_map_count " + limit);
                arena.free(arena.allocate(64));
                arena.close();
            }
        }
        assertTrue(completed > 0, "some limit let the compaction complete");
        System.out.println(kernel + ": " + refused + " limits refused the compaction part way, " + completed
            + " let it complete");
    }
}
