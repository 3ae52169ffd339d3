package io.vmarena.support;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.sim.SimulatedAddressSpace;

import java.util.List;

/**
 * A simulated address space seen through a subclass that changes a call or two (to fail, or to
 * damage what a move moved), so tests can show what callers do then. Everything else goes to
 * the simulator unchanged, including the writes callers report as page faults.
 */
public abstract class ForwardingAddressSpace implements AddressSpace, FaultObserver {
    protected final SimulatedAddressSpace space;

    protected ForwardingAddressSpace(final SimulatedAddressSpace space) {
        this.space = space;
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        return space.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        space.protect(address, lengthBytes, protection);
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

    @Override
    public void read(final long address, final long lengthBytes) {
        space.read(address, lengthBytes);
    }
}
