package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The resident account where the kernel lacks what populating relies on. Without MLOCK_ONFAULT and the arena pins with plain mlock
 * ({@link PinFallback#MLOCK}), which faults every page it locks in: the account counts those
 * segments whole, those claimed while pinned too, and keeps them whole after unpin (munlock
 * leaves the pages in memory). Without MADV_POPULATE_WRITE, an unpinned arena's populate() faults
 * nothing in, and the account says so.
 */
class SimResidentAccountFallbackTest {
    @Test
    void shouldCountWhatAPlainMlockFaultedInWhole() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withLockOnFault(false)
            .withMemlock(KernelProfile.UNLIMITED))) {
            final long segmentBytes = Math.max(64L << 10, 4 * space.pageSize());
            try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(segmentBytes).pinFallback(PinFallback.MLOCK)
                .build()) {
                arena.allocate(100);
                assertEquals(PinState.PINNED, arena.pin().state());
                assertAccount(arena, segmentBytes, segmentBytes, "a class segment locked by plain mlock");
                arena.allocate(2 * segmentBytes);
                arena.allocate(5000); // a class segment claimed while pinned: locked, so populated, at once
                assertAccount(arena, 4 * segmentBytes, 4 * segmentBytes, "claimed while pinned");
                arena.unpin();
                assertAccount(arena, 4 * segmentBytes, 0, "unpinned: the pages stay");
            }
        }
    }

    /** Without MADV_POPULATE_WRITE an unpinned arena's populate() faults nothing in: the account stays. */
    @Test
    void shouldNotCountAPopulateTheKernelRefused() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withPopulateWrite(false))) {
            final long segmentBytes = Math.max(64L << 10, 4 * space.pageSize());
            try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(segmentBytes).build()) {
                arena.allocate(100);
                assertEquals(PopulateResult.Method.NONE, arena.populate().method());
                assertEquals(space.pageSize(), arena.stats().residentBytes(), "one page handed out, none populated");
            }
        }
    }

    private static void assertAccount(final Arena arena, final long residentBytes, final long lockedBytes,
        final String when) {
        final ArenaStats stats = arena.stats();
        assertEquals(residentBytes, stats.residentBytes(), () -> when + ": " + stats);
        assertEquals(lockedBytes, stats.lockedBytes(), () -> when + ": " + stats);
        assertEquals(new ArenaResidency(residentBytes, lockedBytes, 0), arena.residency(), when);
    }
}
