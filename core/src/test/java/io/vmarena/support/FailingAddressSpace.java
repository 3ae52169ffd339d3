package io.vmarena.support;

import io.vmarena.vm.Errno;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.SimulatedAddressSpace;

/**
 * A simulated address space whose mremap, mprotect or munmap fails on demand (ENOMEM, as when memory for
 * page tables runs out part way through a move, or vm.max_map_count is reached), to test what
 * callers do with a call that fails half way through their work.
 */
public final class FailingAddressSpace extends ForwardingAddressSpace {
    private int remapsBeforeFailure = -1;
    /** Whether every mremap fails once one has (an undo then fails too). */
    private boolean remapsKeepFailing;
    private int protectsBeforeFailure = -1;
    private int unmapsBeforeFailure = -1;
    private int mapsBeforeFailure = -1;

    public FailingAddressSpace(final SimulatedAddressSpace space) {
        super(space);
    }

    /** The next {@code remaps} mremap calls succeed, the one after fails; -1 for never. */
    public void failRemapAfter(final int remaps) {
        remapsBeforeFailure = remaps;
        remapsKeepFailing = false;
    }

    /**
     * The next {@code remaps} mremap calls succeed, and every one after fails, until
     * {@link #failRemapAfter} is called: a move that fails part way cannot be moved back.
     */
    public void failRemapsFrom(final int remaps) {
        remapsBeforeFailure = remaps;
        remapsKeepFailing = true;
    }

    /** The next {@code protects} mprotect calls succeed, the one after fails; -1 for never. */
    public void failProtectAfter(final int protects) {
        protectsBeforeFailure = protects;
    }

    /** The next {@code maps} mmap calls succeed, the one after fails; -1 for never. */
    public void failMapAfter(final int maps) {
        mapsBeforeFailure = maps;
    }

    @Override
    public long map(final long address, final long lengthBytes, final io.vmarena.vm.Protection protection,
        final int flags) {
        if (mapsBeforeFailure == 0) {
            mapsBeforeFailure = -1;
            throw injected("mmap");
        }
        if (mapsBeforeFailure > 0) {
            mapsBeforeFailure--;
        }
        return super.map(address, lengthBytes, protection, flags);
    }

    /** The next {@code unmaps} munmap calls succeed, the one after fails; -1 for never. */
    public void failUnmapAfter(final int unmaps) {
        unmapsBeforeFailure = unmaps;
    }

    @Override
    public void unmap(final long address, final long lengthBytes) {
        if (unmapsBeforeFailure == 0) {
            unmapsBeforeFailure = -1;
            throw injected("munmap");
        }
        if (unmapsBeforeFailure > 0) {
            unmapsBeforeFailure--;
        }
        super.unmap(address, lengthBytes);
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        if (remapsBeforeFailure == 0) {
            remapsBeforeFailure = remapsKeepFailing ? 0 : -1;
            throw injected("mremap");
        }
        if (remapsBeforeFailure > 0) {
            remapsBeforeFailure--;
        }
        return super.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        if (protectsBeforeFailure == 0) {
            protectsBeforeFailure = -1;
            throw injected("mprotect");
        }
        if (protectsBeforeFailure > 0) {
            protectsBeforeFailure--;
        }
        super.protect(address, lengthBytes, protection);
    }

    private static VmException injected(final String operation) {
        return new VmException(operation, "injected", Errno.ENOMEM, "injected by FailingAddressSpace");
    }
}
