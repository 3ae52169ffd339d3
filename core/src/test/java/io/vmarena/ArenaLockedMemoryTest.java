package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.support.LockedEverywhere;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9 attack: in a process that called mlockall(MCL_CURRENT | MCL_FUTURE) every new
 * mapping is locked, and madvise(MADV_DONTNEED) on a locked VMA is EINVAL. Giving pages back
 * then fails: free must still free (it threw VmException after the block was already freed, so
 * the caller could not tell), trim must report only what it gave back, and nothing else changes.
 */
class ArenaLockedMemoryTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldFreeAndTrimWhenPagesCannotBeGivenBack() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final LockedEverywhere space = new LockedEverywhere(simulator);
            final LiveBlocks blocks = new LiveBlocks(space);
            final Arena arena = Arena.builder().addressSpace(space).name("locked").segmentBytes(SEGMENT_BYTES)
                .initialBytes(8 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0).build();
            final long kept = arena.allocate(100);
            blocks.write(arena.address(kept), blocks.add(kept, 100, 1), 0);
            final long run = arena.allocate(3 * SEGMENT_BYTES);
            final long[] small = new long[40];
            for (int index = 0; index < small.length; index++) {
                small[index] = arena.allocate(2000);
            }

            arena.free(run); // beyond the retained ceiling of 0: gives the pages back at once
            for (final long handle : small) {
                arena.free(handle);
            }
            assertTrue(space.refusedAdvice > 0, "pages were given back");
            assertThrows(IllegalArgumentException.class, () -> arena.free(run), "freed, once");
            assertEquals(0, arena.trim(Long.MAX_VALUE), "nothing could be given back");

            blocks.checkAll(arena::address, arena::capacity, "after the refused give-backs");
            final long again = arena.allocate(5 * SEGMENT_BYTES);
            blocks.write(arena.address(again), blocks.add(again, 5 * SEGMENT_BYTES, 2), 0);
            blocks.checkAll(arena::address, arena::capacity, "still usable");
            arena.close();
            assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE));
        }
    }
}
