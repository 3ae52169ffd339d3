package io.vmarena;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RLIMIT_MEMLOCK dropped to 0 (a {@code prlimit} from outside) while an arena is pinned: what
 * it locked before stays locked, and every further lock is refused with EPERM. The status said
 * REFUSED ("the kernel refused to lock anything") and "is not pinned" with those bytes locked.
 */
class PinLimitDroppedAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    /** The simulator, with every lock refused with EPERM once the limit is "dropped". */
    private static final class DroppedLimit extends ForwardingAddressSpace {
        boolean dropped;

        DroppedLimit(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public void lock(final long address, final long lengthBytes, final LockMode mode) {
            if (dropped) {
                throw new VmException("mlock2", "injected", Errno.EPERM, "RLIMIT_MEMLOCK dropped to 0 by the test");
            }
            super.lock(address, lengthBytes, mode);
        }
    }

    @Test
    void shouldSayWhatStaysLockedWhenTheLimitDropsToZeroWhilePinned() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withMemlock(64 * SEGMENT_BYTES).withIpcLock(false))) {
            final DroppedLimit space = new DroppedLimit(simulator);
            try (Arena arena = Arena.builder().name("dropped").addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(8 * SEGMENT_BYTES).retainedBytes(0).build()) {
                arena.allocate(3 * SEGMENT_BYTES);
                assertEquals(PinState.PINNED, arena.pin().state());
                final long pinnedBytes = simulator.lockedBytes();
                assertEquals(3 * SEGMENT_BYTES, pinnedBytes, "a test of locked bytes must lock some");
                space.dropped = true;

                arena.allocate(SEGMENT_BYTES); // its lock is refused: it grows on unpinned
                check(arena.stats().pin(), pinnedBytes, simulator, "after growth");
                check(arena.pin(), pinnedBytes, simulator, "pinned again");

                space.dropped = false;
                final PinStatus raised = arena.pin();
                assertEquals(PinState.PINNED, raised.state(), raised::reason);
                assertEquals(4 * SEGMENT_BYTES, simulator.lockedBytes());
                assertEquals(PinState.UNPINNED, arena.unpin().state());
                assertEquals(0, simulator.lockedBytes());
            }
        }
    }

    private static void check(final PinStatus status, final long pinnedBytes, final SimulatedAddressSpace simulator,
        final String step) {
        assertEquals(PinState.PARTLY_PINNED, status.state(), step + ": " + status.reason());
        assertEquals(pinnedBytes, status.pinnedBytes(), step);
        assertEquals(pinnedBytes, simulator.lockedBytes(), step);
        assertEquals(SEGMENT_BYTES, status.unpinnedBytes(), step);
        assertTrue(status.reason().startsWith("arena 'dropped' is pinned in part: " + pinnedBytes + " bytes locked "
            + "before stay locked, the rest works unpinned: RLIMIT_MEMLOCK is 0"), step + ": " + status.reason());
        assertTrue(status.reason().contains("`ulimit -l <KiB>`") && status.reason().contains("EPERM"),
            step + ": " + status.reason());
    }
}
