package io.vmarena.vm;

import java.util.List;

/**
 * An address space acting for one {@link Lease}: its calls may change the ranges the lease
 * holds. Reads, holds and everything else go to the address space itself. What
 * {@link AddressSpace#actingFor} returns in both backends.
 */
public final class LeasedView implements AddressSpace, FaultObserver {
    private final AddressSpace space;
    private final LeasedCalls calls;
    private final Lease lease;

    /** @param calls {@code space}'s calls that take a lease (the backend itself) */
    public LeasedView(final AddressSpace space, final LeasedCalls calls, final Lease lease) {
        this.space = space;
        this.calls = calls;
        this.lease = java.util.Objects.requireNonNull(lease, "lease");
    }

    @Override
    public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
        return calls.map(lease, address, lengthBytes, protection, flags);
    }

    @Override
    public void unmap(final long address, final long lengthBytes) {
        calls.unmap(lease, address, lengthBytes);
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        calls.protect(lease, address, lengthBytes, protection);
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        return calls.remap(lease, oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
    }

    @Override
    public void lock(final long address, final long lengthBytes, final LockMode mode) {
        calls.lock(lease, address, lengthBytes, mode);
    }

    @Override
    public void unlock(final long address, final long lengthBytes) {
        calls.unlock(lease, address, lengthBytes);
    }

    @Override
    public void advise(final long address, final long lengthBytes, final Advice advice) {
        calls.advise(lease, address, lengthBytes, advice);
    }

    @Override
    public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
        return space.mappings(fromAddress, toAddress, source);
    }

    /** Passed on to an address space that cannot see page faults (the simulator); nothing on Linux. */
    @Override
    public void written(final long address, final long lengthBytes) {
        if (space instanceof FaultObserver) {
            ((FaultObserver)space).written(address, lengthBytes);
        }
    }

    @Override
    public void read(final long address, final long lengthBytes) {
        if (space instanceof FaultObserver) {
            ((FaultObserver)space).read(address, lengthBytes);
        }
    }

    @Override
    public long residentBytes(final long fromAddress, final long toAddress) {
        return space.residentBytes(fromAddress, toAddress);
    }

    @Override
    public Residency residency(final long fromAddress, final long toAddress, final long[] within) {
        return space.residency(fromAddress, toAddress, within);
    }

    @Override
    public boolean owns(final long address, final long lengthBytes) {
        return calls.owns(lease, address, lengthBytes);
    }

    @Override
    public void hold(final Lease holder, final long address, final long lengthBytes) {
        space.hold(holder, address, lengthBytes);
    }

    @Override
    public void unhold(final Lease holder, final long address, final long lengthBytes) {
        space.unhold(holder, address, lengthBytes);
    }

    @Override
    public AddressSpace actingFor(final Lease other) {
        return space.actingFor(other);
    }

    @Override
    public long lockedBytes() {
        return space.lockedBytes();
    }

    @Override
    public LockBudget lockBudget() {
        return space.lockBudget();
    }

    @Override
    public long availableMemoryBytes() {
        return space.availableMemoryBytes();
    }

    @Override
    public long pageSize() {
        return space.pageSize();
    }

    @Override
    public Capabilities capabilities() {
        return space.capabilities();
    }
}
