package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The last guard of put and get: a range is copied only when every place it touches is
 * committed, so a block another thread freed while the copy resolved it (a table read half
 * before and half after the change) is refused instead of copied outside mapped memory. The race
 * itself cannot be ordered from outside; the guard's answers can.
 */
class CopyGuardTest {
    @Test
    void shouldAnswerWhetherEveryPlaceOfARangeIsCommittedAndNeverThrow() {
        final Places places = new Places(4);
        places.set(0, Places.COMMITTED);
        places.set(1, Places.COMMITTED);
        places.set(2, Places.COMMITTED);

        assertTrue(places.allCommitted(0, 2));
        assertTrue(places.allCommitted(1, 1));
        assertFalse(places.allCommitted(2, 3), "place 3 is not committed");
        assertFalse(places.allCommitted(-1, 0), "before the first place");
        assertFalse(places.allCommitted(3, 1 << 20), "past the last place");
        assertFalse(places.allCommitted(2, 1), "an empty range is no range to copy");
    }

    @Test
    void shouldSeeALiveBlockCommittedAndTheRangeAroundTheArenaNot() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            Arena arena = Arena.builder().addressSpace(space).segmentBytes(64 << 10).initialBytes(4 * (64 << 10))
                .build()) {
            final long handle = arena.allocate(100);
            final long run = arena.allocate(2 * (64 << 10));
            final BlockHeap heap = arena.heapForTests();

            assertTrue(heap.committed(arena.address(handle), arena.capacity(handle)));
            assertTrue(heap.committed(arena.address(run), arena.capacity(run)));
            assertFalse(heap.committed(arena.baseAddress() - 1, 2), "below the arena's base");
            assertFalse(heap.committed(arena.address(run), arena.capacity(run) + 1), "one byte past the run");
            assertFalse(heap.committed(arena.baseAddress() + (3L << 16), 1), "a place never committed");
        }
    }
}
