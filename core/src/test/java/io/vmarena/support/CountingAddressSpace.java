package io.vmarena.support;

import io.vmarena.vm.Advice;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.sim.SimulatedAddressSpace;

import java.util.List;

/** A simulated address space that counts the calls a kernel would see, so a test can show a path makes none. */
public final class CountingAddressSpace extends ForwardingAddressSpace {
    private long systemCalls;

    public CountingAddressSpace(final SimulatedAddressSpace space) {
        super(space);
    }

    /** Calls that would be system calls on Linux: every one but pageSize, capabilities and written. */
    public long systemCalls() {
        return systemCalls;
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        systemCalls++;
        return super.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        systemCalls++;
        super.protect(address, lengthBytes, protection);
    }

    @Override
    public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
        systemCalls++;
        return super.map(address, lengthBytes, protection, flags);
    }

    @Override
    public void unmap(final long address, final long lengthBytes) {
        systemCalls++;
        super.unmap(address, lengthBytes);
    }

    @Override
    public void lock(final long address, final long lengthBytes, final LockMode mode) {
        systemCalls++;
        super.lock(address, lengthBytes, mode);
    }

    @Override
    public void unlock(final long address, final long lengthBytes) {
        systemCalls++;
        super.unlock(address, lengthBytes);
    }

    @Override
    public void advise(final long address, final long lengthBytes, final Advice advice) {
        systemCalls++;
        super.advise(address, lengthBytes, advice);
    }

    @Override
    public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
        systemCalls++;
        return super.mappings(fromAddress, toAddress, source);
    }

    @Override
    public boolean owns(final long address, final long lengthBytes) {
        systemCalls++;
        return super.owns(address, lengthBytes);
    }

    @Override
    public long lockedBytes() {
        systemCalls++;
        return super.lockedBytes();
    }
}
