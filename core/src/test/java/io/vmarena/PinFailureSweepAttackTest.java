package io.vmarena;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pinning when a lock, an unlock or an madvise fails part way through the arena's work: the
 * Nth mlock2, munlock or madvise of a pinning-model run is refused (nothing changed, as the
 * kernel refuses at its limit or for want of memory), for every N the run makes. After every
 * step the model checks every byte and that pinnedBytes == locked VMAs == VmLck's delta: a
 * failed call must leave the arena's account as the kernel left the memory.
 */
class PinFailureSweepAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final long SEED = 31;
    private static final int STEPS = 150;

    /** Which call fails, and with which errno. */
    private enum Failure {
        LOCK_ENOMEM, LOCK_EAGAIN, LOCK_EINVAL, UNLOCK_ENOMEM, ADVISE_EINVAL, ADVISE_ENOMEM
    }

    /** Refuses the {@code failAt}th call of one kind (counting from 0); counts the calls of that kind. */
    private static final class FailingCalls extends ForwardingAddressSpace {
        private final Failure failure;
        private final int failAt;
        int calls;
        /** Whether every call from the failAt-th on fails, until cleared. */
        boolean keepFailing;

        FailingCalls(final SimulatedAddressSpace space, final Failure failure, final int failAt) {
            super(space);
            this.failure = failure;
            this.failAt = failAt;
        }

        private void maybeFail(final String call, final Errno errno) {
            final int index = calls++;
            if (index == failAt || keepFailing && index > failAt) {
                throw new VmException(call, "injected", errno, "refused by the test at call " + failAt);
            }
        }

        @Override
        public void lock(final long address, final long lengthBytes, final LockMode mode) {
            if (failure.name().startsWith("LOCK")) {
                maybeFail("mlock2", Errno.valueOf(failure.name().substring(5)));
            }
            super.lock(address, lengthBytes, mode);
        }

        @Override
        public void unlock(final long address, final long lengthBytes) {
            if (failure == Failure.UNLOCK_ENOMEM) {
                maybeFail("munlock", Errno.ENOMEM);
            }
            super.unlock(address, lengthBytes);
        }

        @Override
        public void advise(final long address, final long lengthBytes, final Advice advice) {
            if (failure.name().startsWith("ADVISE")) {
                maybeFail("madvise", Errno.valueOf(failure.name().substring(7)));
            }
            super.advise(address, lengthBytes, advice);
        }
    }

    @Test
    void shouldKeepExactLockAccountsWhateverCallFails() {
        for (final Failure failure : Failure.values()) {
            final int callsInARun = run(failure, -1).calls;
            assertTrue(callsInARun > 0, failure + ": the run makes such calls");
            for (int failAt = 0; failAt < callsInARun; failAt++) {
                run(failure, failAt);
            }
        }
    }

    /**
     * munlock refused (ENOMEM: a split at vm.max_map_count) every time: unpin() used to answer
     * "not pinned" with the bytes still locked. It says they stay locked and how to retry, and
     * the retry unlocks them once munlock works.
     */
    @Test
    void shouldSayWhatStaysLockedWhenUnpinIsRefusedAndUnlockItOnTheNextUnpin() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withMemlock(KernelProfile.UNLIMITED))) {
            final FailingCalls space = new FailingCalls(simulator, Failure.UNLOCK_ENOMEM, 0);
            space.keepFailing = true;
            try (Arena arena = Arena.builder().name("unpin-refused").addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(8 * SEGMENT_BYTES).build()) {
                arena.allocate(3 * SEGMENT_BYTES);
                final long pinnedBytes = arena.pin().pinnedBytes();
                assertTrue(pinnedBytes > 0);

                final PinStatus refused = arena.unpin();

                assertEquals(PinState.UNPINNED, refused.state());
                assertEquals(pinnedBytes, refused.pinnedBytes(), "what munlock refused is still counted");
                assertEquals(pinnedBytes, simulator.lockedBytes(), "and still locked");
                assertTrue(refused.reason().contains(pinnedBytes + " bytes stay locked"), refused.reason());
                assertTrue(refused.reason().contains("ENOMEM") && refused.reason().contains("unpin() again"),
                    refused.reason());
                space.keepFailing = false;
                final PinStatus retried = arena.unpin();
                assertEquals(0, retried.pinnedBytes(), retried::reason);
                assertEquals("arena 'unpin-refused' is not pinned", retried.reason());
                assertEquals(0, simulator.lockedBytes());
            }
        }
    }

    private static FailingCalls run(final Failure failure, final int failAt) {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withMemlock(40 * SEGMENT_BYTES).withIpcLock(false))) {
            final FailingCalls space = new FailingCalls(simulator, failure, failAt);
            final String answer;
            try {
                answer = new PinningModel(space, "sweep-" + failure + "-" + failAt, SEGMENT_BYTES, 0).run(SEED, STEPS);
            } catch (final AssertionError | RuntimeException failed) {
                throw new AssertionError(failure + " at call " + failAt + ": " + failed.getMessage(), failed);
            }
            assertTrue(answer.startsWith("ok "), answer);
            return space;
        }
    }
}
