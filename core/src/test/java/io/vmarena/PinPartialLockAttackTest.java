package io.vmarena;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lock the kernel refuses after it changed something: plain mlock sets VM_LOCKED on every VMA
 * of the range and then populates, and a populate that runs out of memory is EAGAIN with the
 * flags left set (kernel-semantics L6, L13); at a hole or a split refused at vm.max_map_count
 * the VMAs before it stay locked (L6). Here every mlock over one page of the arena's range
 * locks and then fails with EAGAIN, as a page the kernel cannot populate would. The pinning
 * must not count what it believes refused while the kernel counts it in VmLck.
 */
class PinPartialLockAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    /** mlock over {@code badAddress} applies, then fails with EAGAIN (populate out of memory). */
    private static final class LocksThenFails extends ForwardingAddressSpace {
        long badAddress;
        int failures;

        LocksThenFails(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public void lock(final long address, final long lengthBytes, final LockMode mode) {
            super.lock(address, lengthBytes, mode);
            if (badAddress >= address && badAddress < address + lengthBytes) {
                failures++;
                throw new VmException("mlock", "injected", Errno.EAGAIN, "populating failed after VM_LOCKED was set");
            }
        }
    }

    /** munlock of more than one segment unlocks the first half of the range and then fails with ENOMEM (L14, L6). */
    private static final class UnlocksHalfThenFails extends ForwardingAddressSpace {
        int failures;

        UnlocksHalfThenFails(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public void unlock(final long address, final long lengthBytes) {
            if (lengthBytes > SEGMENT_BYTES) {
                super.unlock(address, lengthBytes / SEGMENT_BYTES / 2 * SEGMENT_BYTES);
                failures++;
                throw new VmException("munlock", "injected", Errno.ENOMEM, "a split refused part way");
            }
            super.unlock(address, lengthBytes);
        }
    }

    /**
     * An unlock refused part way (a hole, or a split refused at vm.max_map_count, after the VMAs
     * before it were unlocked): unpin() and the give-back of free segments must not count as
     * locked what the kernel unlocked, and must unlock what they can.
     */
    @Test
    void shouldCountOnlyWhatStaysLockedWhenAnUnlockFailsPartWay() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withMemlock(KernelProfile.UNLIMITED))) {
            final UnlocksHalfThenFails space = new UnlocksHalfThenFails(simulator);
            try (Arena arena = Arena.builder().name("partial-unlock").addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(32 * SEGMENT_BYTES).retainedBytes(0).build()) {
                final LiveBlocks blocks = new LiveBlocks(space);
                final long kept = arena.allocate(8 * SEGMENT_BYTES);
                blocks.write(arena.address(kept), blocks.add(kept, 8 * SEGMENT_BYTES, 3), 0);
                final long freed = arena.allocate(6 * SEGMENT_BYTES);
                assertEquals(PinState.PINNED, arena.pin().state());

                arena.free(freed); // beyond the retained ceiling of 0: unlocked, then given back

                assertAgrees(arena, simulator, "after a free");
                final PinStatus unpinned = arena.unpin();
                assertTrue(space.failures > 0, "unlocks failed part way");
                assertAgrees(arena, simulator, "after unpin: " + unpinned);
                assertEquals(0, unpinned.pinnedBytes(), "every segment can be unlocked on its own: " + unpinned);
                blocks.checkAll(arena::address, arena::capacity, "after the failed unlocks");
            }
        }
    }

    private static void assertAgrees(final Arena arena, final SimulatedAddressSpace simulator, final String step) {
        final ArenaStats stats = arena.stats();
        assertEquals(stats.pin().pinnedBytes(), simulator.lockedBytes(), step + ": VmLck counts what the arena counts: "
            + stats.pin());
        assertEquals(stats.pin().pinnedBytes(), PinningSteps.lockedVmaBytes(simulator, stats), step);
    }

    @Test
    void shouldLeaveNothingLockedThatItDoesNotCountWhenALockFailsAfterApplying() {
        for (final boolean onFault : new boolean[] {true, false}) {
            try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
                .withLockOnFault(onFault).withMemlock(KernelProfile.UNLIMITED))) {
                final LocksThenFails space = new LocksThenFails(simulator);
                try (Arena arena = Arena.builder().name("partial-lock").addressSpace(space).segmentBytes(SEGMENT_BYTES)
                    .initialBytes(16 * SEGMENT_BYTES).pinFallback(PinFallback.MLOCK).build()) {
                    final LiveBlocks blocks = new LiveBlocks(space);
                    final long handle = arena.allocate(8 * SEGMENT_BYTES);
                    blocks.write(arena.address(handle), blocks.add(handle, 8 * SEGMENT_BYTES, 3), 0);
                    space.badAddress = arena.address(handle) + 5 * SEGMENT_BYTES;

                    final PinStatus status = arena.pin();

                    assertTrue(space.failures > 0, "the lock failed");
                    assertEquals(PinState.PARTLY_PINNED, status.state(), status::reason);
                    assertTrue(status.pinnedBytes() > 0, status::reason);
                    final ArenaStats stats = arena.stats();
                    assertEquals(stats.pin().pinnedBytes(), simulator.lockedBytes(), (onFault ? "ONFAULT" : "plain mlock")
                        + ": VmLck counts what the arena counts: " + status);
                    assertEquals(stats.pin().pinnedBytes(), PinningSteps.lockedVmaBytes(simulator, stats), status::reason);
                    blocks.checkAll(arena::address, arena::capacity, "after the failed lock");
                }
            }
        }
    }
}
