package io.vmarena.support;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Errno;
import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.SimulatedAddressSpace;

import java.util.List;

/**
 * A simulated address space whose mremap or mprotect fails on demand (ENOMEM, as when memory for
 * page tables runs out part way through a move, or vm.max_map_count is reached), to test what
 * callers do with a call that fails half way through their work.
 */
public final class FailingAddressSpace implements AddressSpace, FaultObserver {
    private final SimulatedAddressSpace space;
    private int remapsBeforeFailure = -1;
    private int protectsBeforeFailure = -1;

    public FailingAddressSpace(final SimulatedAddressSpace space) {
        this.space = space;
    }

    /** The next {@code remaps} mremap calls succeed, the one after fails; -1 for never. */
    public void failRemapAfter(final int remaps) {
        remapsBeforeFailure = remaps;
    }

    /** The next {@code protects} mprotect calls succeed, the one after fails; -1 for never. */
    public void failProtectAfter(final int protects) {
        protectsBeforeFailure = protects;
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        if (remapsBeforeFailure == 0) {
            remapsBeforeFailure = -1;
            throw new VmException("mremap", "injected", Errno.ENOMEM, "injected by FailingAddressSpace");
        }
        if (remapsBeforeFailure > 0) {
            remapsBeforeFailure--;
        }
        return space.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
    }

    @Override
    public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
        return space.map(address, lengthBytes, protection, flags);
    }

    @Override
    public void unmap(final long address, final long lengthBytes) {
        space.unmap(address, lengthBytes);
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        if (protectsBeforeFailure == 0) {
            protectsBeforeFailure = -1;
            throw new VmException("mprotect", "injected", Errno.ENOMEM, "injected by FailingAddressSpace");
        }
        if (protectsBeforeFailure > 0) {
            protectsBeforeFailure--;
        }
        space.protect(address, lengthBytes, protection);
    }

    @Override
    public void lock(final long address, final long lengthBytes, final LockMode mode) {
        space.lock(address, lengthBytes, mode);
    }

    @Override
    public void unlock(final long address, final long lengthBytes) {
        space.unlock(address, lengthBytes);
    }

    @Override
    public void advise(final long address, final long lengthBytes, final Advice advice) {
        space.advise(address, lengthBytes, advice);
    }

    @Override
    public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
        return space.mappings(fromAddress, toAddress, source);
    }

    @Override
    public boolean owns(final long address, final long lengthBytes) {
        return space.owns(address, lengthBytes);
    }

    @Override
    public long lockedBytes() {
        return space.lockedBytes();
    }

    @Override
    public long pageSize() {
        return space.pageSize();
    }

    @Override
    public Capabilities capabilities() {
        return space.capabilities();
    }

    @Override
    public void written(final long address, final long lengthBytes) {
        space.written(address, lengthBytes);
    }
}
