package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a reader of a shared arena outside a read section can see when it resolved a handle just
 * before a compaction evacuated the block's segment: the heap's address and capacity of that
 * (now forwarded) handle. They once read the segment's place as -1 (an address before the
 * arena's base) and its capacity as 0; now both give a verdict the arena turns into a refusal,
 * and the public calls follow the forward.
 */
class RacingReadTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldRefuseNotMisplaceAHandleWhoseSegmentWasEvacuatedAfterItResolved() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).threading(Threading.SHARED)
                .initialBytes(8 * SEGMENT_BYTES).build()) {
            final int slots = (int)(SEGMENT_BYTES / 64);
            final long[] handles = new long[3 * slots];
            for (int index = 0; index < handles.length; index++) {
                handles[index] = arena.allocate(64);
            }
            for (int index = 1; index < slots; index++) {
                arena.free(handles[index]);
            }
            for (int index = 2 * slots + slots / 2; index < 3 * slots; index++) { // the top half: nothing to pack
                arena.free(handles[index]);
            }
            final long evacuee = handles[0]; // as a racing reader resolved it, before the compaction
            assertEquals(1, arena.compact().evacuatedBlocks());

            final BlockHeap heap = arena.heapForTests();
            assertEquals(BlockHeap.NOT_A_BLOCK, heap.address(evacuee), "its segment has no place now");
            assertEquals(BlockHeap.NOT_A_BLOCK, heap.capacity(evacuee), "nor a size class");
            assertEquals(64, arena.capacity(evacuee), "the public call follows the forward");
            assertTrue(arena.address(evacuee) >= arena.baseAddress());
        }
    }
}
