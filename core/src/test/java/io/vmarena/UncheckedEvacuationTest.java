package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unchecked, a handle carries no generation of its own, so a forward could not tell its block
 * freed and the slot handed out again from the block itself: it never ended, held its segment id
 * for good, and the old handle named the stranger's block (the reviewer's finding). Without a
 * listener an unchecked arena therefore does not evacuate; with one it does, each forward ending
 * as the listener returns.
 */
class UncheckedEvacuationTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    private static long sparse(final Arena arena) {
        final int slots = (int)(SEGMENT_BYTES / 64);
        final long[] handles = new long[3 * slots];
        for (int index = 0; index < handles.length; index++) {
            handles[index] = arena.allocate(64);
        }
        for (int index = 1; index < slots; index++) {
            arena.free(handles[index]); // the first segment keeps one block: sparse
        }
        for (int index = 2 * slots; index < 2 * slots + slots / 2; index++) {
            arena.free(handles[index]); // room in the last
        }
        return handles[0];
    }

    @Test
    void shouldNotEvacuateWithoutAListenerWhenUnchecked() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).checked(false)
                .initialBytes(8 * SEGMENT_BYTES).build()) {
            final long kept = sparse(arena);
            final long address = arena.address(kept);
            final CompactionResult result = arena.compact();
            assertEquals(0, result.evacuatedBlocks(), result::toString);
            assertEquals(address, arena.address(kept), "nothing moved the kept block");
            assertEquals(0, arena.heapForTests().table().forwardedIds(), "no forward holds an id");
        }
    }

    @Test
    void shouldEvacuateWithAListenerWhenUnchecked() {
        final List<long[]> relocations = new ArrayList<>();
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).checked(false)
                .initialBytes(8 * SEGMENT_BYTES)
                .relocationListener((oldHandle, newHandle) -> relocations.add(new long[] {oldHandle, newHandle}))
                .build()) {
            final long kept = sparse(arena);
            final CompactionResult result = arena.compact();
            assertEquals(1, result.evacuatedBlocks(), result::toString);
            assertEquals(1, relocations.size());
            assertEquals(kept, relocations.get(0)[0]);
            assertTrue(arena.capacity(relocations.get(0)[1]) >= 64);
            assertEquals(0, arena.heapForTests().table().forwardedIds(), "the forward ended with the listener");
        }
    }
}
