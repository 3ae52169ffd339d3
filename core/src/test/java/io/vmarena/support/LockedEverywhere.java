package io.vmarena.support;

import io.vmarena.vm.Advice;
import io.vmarena.vm.Errno;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.SimulatedAddressSpace;

/**
 * A simulated process that called mlockall(MCL_CURRENT | MCL_FUTURE): every VMA is locked, so
 * every MADV_DONTNEED is refused with EINVAL (kernel-semantics MA4). Counts the refusals.
 */
public final class LockedEverywhere extends ForwardingAddressSpace {
    public int refusedAdvice;

    public LockedEverywhere(final SimulatedAddressSpace space) {
        super(space);
    }

    @Override
    public void advise(final long address, final long lengthBytes, final Advice advice) {
        if (advice == Advice.DONTNEED) {
            refusedAdvice++;
            throw new VmException("madvise", "locked", Errno.EINVAL, "DONTNEED on a locked VMA");
        }
        super.advise(address, lengthBytes, advice);
    }
}
