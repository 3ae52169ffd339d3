package io.vmarena;

import io.vmarena.support.FailingAddressSpace;
import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, moves, ownership and close: what an arena does when a move cannot be undone, when
 * someone else's mapping takes a hole it left, when the system refuses a large reservation, and
 * when its address space is closed under it. On the simulator, where each can be arranged.
 */
class ArenaOwnershipTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    /** A growth that fails part way and cannot be moved back fails the arena, and says where the pieces are. */
    @Test
    void shouldFailTheArenaWhenAGrowthCannotBeUndone() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_1)) {
            final FailingAddressSpace space = new FailingAddressSpace(simulator);
            final LiveBlocks blocks = new LiveBlocks(space);
            final Arena arena = builder(space).name("split-growth").inPlaceGrowth(false).build();
            ArenaMoveFailureTest.fragmentIntoManyVmas(arena, blocks);
            final long live = blocks.blocks().get(0).handle;
            space.failRemapsFrom(1);

            final IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> arena.allocate(8 * SEGMENT_BYTES));

            assertTrue(failure.getMessage().startsWith("arena 'split-growth' has failed: growing from"),
                failure.getMessage());
            assertTrue(failure.getMessage().contains("hold moved pages"), failure.getMessage());
            assertEveryCallRefused(arena, live, failure.getMessage());
            space.failRemapAfter(-1);
            arena.close();
            assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), "close released both places");
        }
    }

    /**
     * A run that cannot grow in place moves; if its move fails part way and cannot be moved
     * back, the destination holds moved pages: it must not go back to the free pool, and the
     * arena must not claim the block is unchanged.
     */
    @Test
    void shouldFailTheArenaWhenAMovedBlockCannotBeMovedBack() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_1)) {
            final FailingAddressSpace space = new FailingAddressSpace(simulator);
            final LiveBlocks blocks = new LiveBlocks(space);
            final Arena arena = builder(space).name("split-block").initialBytes(16 * SEGMENT_BYTES).build();
            ArenaMoveFailureTest.fragmentIntoManyVmas(arena, blocks);
            final LiveBlocks.Block grown = blocks.blocks().get(1);
            grown.handle = arena.reallocate(grown.handle, 3 * SEGMENT_BYTES); // in place: a second VMA
            final long address = arena.address(grown.handle);
            assertTrue(simulator.mappings(address, address + 3 * SEGMENT_BYTES).size() >= 2, "a run of two VMAs");
            final long blocker = arena.allocate(2 * SEGMENT_BYTES);
            assertEquals(address + 3 * SEGMENT_BYTES, arena.address(blocker), "the segments after it are taken");
            space.failRemapsFrom(1);

            final IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> arena.reallocate(grown.handle, 4 * SEGMENT_BYTES));

            assertTrue(failure.getMessage().startsWith("arena 'split-block' has failed: moving a block of "
                + 3 * SEGMENT_BYTES + " bytes (reallocate)"), failure.getMessage());
            assertEveryCallRefused(arena, blocker, failure.getMessage());
            space.failRemapAfter(-1);
            arena.close();
            assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), "close released what the arena owned");
        }
    }

    /**
     * Issue 9: close marked the arena closed and then failed in munmap, so its memory stayed
     * mapped for good. Now it says what is still mapped, refuses every other call, and a later
     * close tries again.
     */
    @Test
    void shouldSayWhatIsLeftMappedWhenCloseCannotUnmapAndTryAgainOnTheNextClose() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final FailingAddressSpace space = new FailingAddressSpace(simulator);
            final Arena arena = builder(space).name("sticky").build();
            final long handle = arena.allocate(3 * SEGMENT_BYTES);
            final long base = arena.baseAddress();
            space.failUnmapAfter(0);

            final IllegalStateException failure = assertThrows(IllegalStateException.class, arena::close);

            assertTrue(failure.getMessage().contains("could not unmap all of its memory on close; still mapped: [0x"
                + Long.toHexString(base) + ", +" + 8 * SEGMENT_BYTES + ")"), failure.getMessage());
            assertEquals(failure.getMessage(), assertThrows(IllegalStateException.class, () -> arena.free(handle))
                .getMessage());
            assertTrue(!simulator.mappings(base, base + 8 * SEGMENT_BYTES).isEmpty(), "still mapped");
            arena.close();
            assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), "the second close unmapped it");
            arena.close();
        }
    }

    /**
     * A foreign mapping that lands in a hole a move left keeps the hole from being reserved
     * again: close unmaps everything else and leaves it alone, and growth by moving moves only
     * the arena's own stretches (and can use those segments again in its new range).
     */
    @Test
    void shouldCloseAndMoveAroundAForeignMappingInAHole() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final IntrudingAddressSpace space = new IntrudingAddressSpace(simulator);
            final LiveBlocks blocks = new LiveBlocks(space);
            final Arena arena = builder(space).name("intruded").inPlaceGrowth(false).build();
            final LiveBlocks.Block mover = allocateAndWrite(arena, blocks, 2 * SEGMENT_BYTES, 61);
            allocateAndWrite(arena, blocks, SEGMENT_BYTES, 62);
            final long hole = arena.address(mover.handle);
            space.intrudeOnNextMove = true;

            mover.handle = arena.reallocate(mover.handle, 3 * SEGMENT_BYTES);

            final Mapping foreign = simulator.mappings(hole, hole + 1).get(0);
            assertEquals(hole, foreign.startAddress(), "someone else's page took the hole");
            final int freeBefore = arena.stats().freeSegments();
            final long oldBase = arena.baseAddress();
            allocateAndWrite(arena, blocks, 6 * SEGMENT_BYTES, 63);
            assertNotEquals(oldBase, arena.baseAddress(), "the growth moved the arena");
            assertEquals(List.of(foreign), simulator.mappings(oldBase, oldBase + 8 * SEGMENT_BYTES),
                "only the foreign page is left where the arena was");
            assertTrue(arena.stats().freeSegments() >= freeBefore, "the segments of the hole are usable again");
            blocks.checkAll(arena::address, arena::capacity, "after growing around the foreign page");

            arena.close();
            assertEquals(List.of(foreign), simulator.mappings(0, Long.MAX_VALUE),
                "close unmapped everything but the foreign page");
            simulator.unmapForeign(foreign.startAddress(), foreign.lengthBytes());
        }
    }

    /** Close skips the stretch someone else's mapping took and unmaps the rest. */
    @Test
    void shouldCloseAroundAForeignMappingInAHole() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_1)) {
            final IntrudingAddressSpace space = new IntrudingAddressSpace(simulator);
            final LiveBlocks blocks = new LiveBlocks(space);
            final Arena arena = builder(space).name("intruded").build();
            final LiveBlocks.Block mover = allocateAndWrite(arena, blocks, 2 * SEGMENT_BYTES, 64);
            allocateAndWrite(arena, blocks, 100, 65);
            final long hole = arena.address(mover.handle);
            space.intrudeOnNextMove = true;
            mover.handle = arena.reallocate(mover.handle, 3 * SEGMENT_BYTES);
            blocks.checkAll(arena::address, arena::capacity, "after the move");

            arena.close();

            assertEquals(List.of(Mapping.of(hole, hole + simulator.pageSize(), Protection.READ)),
                simulator.mappings(0, Long.MAX_VALUE), "close unmapped everything but the foreign page");
            simulator.unmapForeign(hole, simulator.pageSize());
        }
    }

    /**
     * Between the check that a hole is still free and the mmap that reserves it again, another
     * thread may map there; MAP_FIXED would replace that mapping. Every map at a fixed address
     * an arena makes is MAP_FIXED_NOREPLACE, which the kernel refuses (EEXIST) instead.
     */
    @Test
    void shouldNeverMapOverWhatIsThereWhenItReservesAHoleAgain() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final IntrudingAddressSpace space = new IntrudingAddressSpace(simulator);
            final LiveBlocks blocks = new LiveBlocks(space);
            final Arena arena = builder(space).name("noreplace").build();
            final LiveBlocks.Block mover = allocateAndWrite(arena, blocks, 2 * SEGMENT_BYTES, 91);
            allocateAndWrite(arena, blocks, 100, 92);

            mover.handle = arena.reallocate(mover.handle, 3 * SEGMENT_BYTES);
            allocateAndWrite(arena, blocks, 12 * SEGMENT_BYTES, 93);

            assertTrue(space.fixedMapFlags.size() >= 2, "the hole and the growth in place: " + space.fixedMapFlags);
            for (final int flags : space.fixedMapFlags) {
                assertEquals(MapFlags.FIXED_NOREPLACE, flags & (MapFlags.FIXED | MapFlags.FIXED_NOREPLACE));
            }
            blocks.checkAll(arena::address, arena::capacity, "after the moves");
            arena.close();
        }
    }

    /** Under an address-space limit, a growth that has to move reserves what fits, down to what it needs. */
    @Test
    void shouldReserveLessWhenALargerReservationIsRefused() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17, 6L << 20)) {
            final LiveBlocks blocks = new LiveBlocks(simulator);
            final Arena arena = Arena.builder().name("tight").addressSpace(simulator).segmentBytes(256L << 10)
                .initialBytes(1L << 20).maximumBytes(64L << 20).inPlaceGrowth(false).build();
            allocateAndWrite(arena, blocks, 3L << 18, 71);
            final long fourTimes = 4 * arena.stats().reservedBytes();

            allocateAndWrite(arena, blocks, 1L << 20, 72);

            final long reserved = arena.stats().reservedBytes();
            assertTrue(reserved < fourTimes && reserved >= (7L << 18), "reserved " + reserved);
            blocks.checkAll(arena::address, arena::capacity, "after the smaller growth");
            arena.close();
        }
    }

    /** A simulator's block is the arenas' memory: closing it under an open arena is refused, naming it. */
    @Test
    void shouldRefuseToCloseASimulatorThatAnArenaStillUses() {
        final SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
        final LiveBlocks blocks = new LiveBlocks(simulator);
        final Arena first = builder(simulator).name("first").build();
        final Arena second = builder(simulator).name("second").build();
        allocateAndWrite(first, blocks, 100, 81);

        final IllegalStateException refused = assertThrows(IllegalStateException.class, simulator::close);

        assertTrue(refused.getMessage().contains("still leased to arena 'first', arena 'second'"),
            refused.getMessage());
        final LiveBlocks.Block block = blocks.blocks().get(0);
        block.handle = first.reallocate(block.handle, 4 * SEGMENT_BYTES);
        blocks.checkAll(first::address, first::capacity, "the arena still works");
        first.close();
        assertThrows(IllegalStateException.class, simulator::close);
        second.close();
        simulator.close();
        assertThrows(IllegalStateException.class, () -> simulator.mappings(0, 1), "closed now");
    }

    private static void assertEveryCallRefused(final Arena arena, final long handle, final String message) {
        for (final Executable call : new Executable[] {() -> arena.allocate(64), () -> arena.free(handle),
            () -> arena.reallocate(handle, 128), () -> arena.address(handle), () -> arena.capacity(handle),
            () -> arena.trim(0), arena::stats, arena::read}) {
            assertEquals(message, assertThrows(IllegalStateException.class, call).getMessage());
        }
    }

    private static Arena.Builder builder(final io.vmarena.vm.AddressSpace space) {
        return Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).initialBytes(8 * SEGMENT_BYTES)
            .maximumBytes(64 * SEGMENT_BYTES);
    }

    private static LiveBlocks.Block allocateAndWrite(final Arena arena, final LiveBlocks blocks, final long lengthBytes,
        final long seed) {
        final LiveBlocks.Block block = blocks.add(arena.allocate(lengthBytes), lengthBytes, seed);
        blocks.write(arena.address(block.handle), block, 0);
        return block;
    }

    /** Puts someone else's page where a move began, right after the move: malloc taking the hole. */
    private static final class IntrudingAddressSpace extends ForwardingAddressSpace {
        boolean intrudeOnNextMove;
        /** The flags of every map at a fixed address. */
        final List<Integer> fixedMapFlags = new java.util.ArrayList<>();

        IntrudingAddressSpace(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
            final long newAddress) {
            final long result = super.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
            if (intrudeOnNextMove && (flags & RemapFlags.FIXED) != 0) {
                intrudeOnNextMove = false;
                space.mapForeign(oldAddress, space.pageSize(), Protection.READ);
            }
            return result;
        }

        @Override
        public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
            if ((flags & (MapFlags.FIXED | MapFlags.FIXED_NOREPLACE)) != 0) {
                fixedMapFlags.add(flags);
            }
            return super.map(address, lengthBytes, protection, flags);
        }
    }
}
