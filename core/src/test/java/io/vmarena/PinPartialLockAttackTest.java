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

    @Test
    void shouldLeaveNothingLockedThatItDoesNotCountWhenALockFailsAfterApplying() {
        for (final boolean onFault : new boolean[] {true, false}) {
            try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
                .withLockOnFault(onFault).withMemlock(KernelProfile.UNLIMITED))) {
                final LocksThenFails space = new LocksThenFails(simulator);
                try (Arena arena = Arena.builder().name("partial-lock").addressSpace(space).segmentBytes(SEGMENT_BYTES)
                    .initialBytes(16 * SEGMENT_BYTES).pinFallback(PinFallback.POPULATE).build()) {
                    final LiveBlocks blocks = new LiveBlocks(space);
                    final long handle = arena.allocate(8 * SEGMENT_BYTES);
                    blocks.write(arena.address(handle), blocks.add(handle, 8 * SEGMENT_BYTES, 3), 0);
                    space.badAddress = arena.address(handle) + 5 * SEGMENT_BYTES;

                    final PinStatus status = arena.pin();

                    assertTrue(space.failures > 0, "the lock failed");
                    assertEquals(PinState.PARTLY_PINNED, status.state(), status::reason);
                    assertTrue(status.pinnedBytes() > 0, status::reason);
                    final ArenaStats stats = arena.stats();
                    assertEquals(stats.pinnedBytes(), simulator.lockedBytes(), (onFault ? "ONFAULT" : "plain mlock")
                        + ": VmLck counts what the arena counts: " + status);
                    assertEquals(stats.pinnedBytes(), PinningSteps.lockedVmaBytes(simulator, stats), status::reason);
                    blocks.checkAll(arena::address, arena::capacity, "after the failed lock");
                }
            }
        }
    }
}
