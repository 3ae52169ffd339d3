package io.vmarena.vm;

import java.util.List;

/**
 * An address space that passes every call on to another: the base for one that changes a call
 * or two (refuses it, counts it, hides a capability) and leaves the rest alone. Override what
 * you change and call {@code super} for the rest.
 *
 * <p>{@link #actingFor} returns a view whose calls go through this object's (overridden)
 * methods and on to the other address space acting for the lease, so an arena built on a
 * subclass meets its changes in its leased calls too. The lease a call acts for is the calling
 * thread's, for the length of the call: views may be used from several threads at once.
 * Reports of page faults ({@link FaultObserver}) go on to the other address space when it takes
 * them (the simulator), and are dropped otherwise (Linux sees its own faults).
 */
public abstract class ForwardingAddressSpace implements AddressSpace, FaultObserver {
    private final AddressSpace delegate;
    /** Where the calls of a view's call go: the delegate acting for the view's lease; else unset. */
    private final ThreadLocal<AddressSpace> acting = new ThreadLocal<>();

    protected ForwardingAddressSpace(final AddressSpace delegate) {
        this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
    }

    /** Where a call goes now: the delegate, acting for a lease during a view's call. */
    private AddressSpace target() {
        final AddressSpace view = acting.get();
        return view != null ? view : delegate;
    }

    @Override
    public AddressSpace actingFor(final Lease lease) {
        final AddressSpace leased = delegate.actingFor(lease);
        return new LeasedView(this, new LeasedCalls() {
            @Override
            public long map(final Lease unused, final long address, final long lengthBytes,
                final Protection protection, final int flags) {
                return as(leased, () -> ForwardingAddressSpace.this.map(address, lengthBytes, protection, flags));
            }

            @Override
            public void unmap(final Lease unused, final long address, final long lengthBytes) {
                as(leased, () -> {
                    ForwardingAddressSpace.this.unmap(address, lengthBytes);
                    return 0L;
                });
            }

            @Override
            public void protect(final Lease unused, final long address, final long lengthBytes,
                final Protection protection) {
                as(leased, () -> {
                    ForwardingAddressSpace.this.protect(address, lengthBytes, protection);
                    return 0L;
                });
            }

            @Override
            public long remap(final Lease unused, final long oldAddress, final long oldLengthBytes,
                final long newLengthBytes, final int flags, final long newAddress) {
                return as(leased, () -> ForwardingAddressSpace.this.remap(oldAddress, oldLengthBytes, newLengthBytes,
                    flags, newAddress));
            }

            @Override
            public void lock(final Lease unused, final long address, final long lengthBytes, final LockMode mode) {
                as(leased, () -> {
                    ForwardingAddressSpace.this.lock(address, lengthBytes, mode);
                    return 0L;
                });
            }

            @Override
            public void unlock(final Lease unused, final long address, final long lengthBytes) {
                as(leased, () -> {
                    ForwardingAddressSpace.this.unlock(address, lengthBytes);
                    return 0L;
                });
            }

            @Override
            public void advise(final Lease unused, final long address, final long lengthBytes, final Advice advice) {
                as(leased, () -> {
                    ForwardingAddressSpace.this.advise(address, lengthBytes, advice);
                    return 0L;
                });
            }

            @Override
            public boolean owns(final Lease unused, final long address, final long lengthBytes) {
                return leased.owns(address, lengthBytes);
            }
        }, lease);
    }

    private long as(final AddressSpace leased, final java.util.function.LongSupplier call) {
        final AddressSpace before = acting.get();
        acting.set(leased);
        try {
            return call.getAsLong();
        } finally {
            if (before == null) {
                acting.remove();
            } else {
                acting.set(before);
            }
        }
    }

    @Override
    public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
        return target().map(address, lengthBytes, protection, flags);
    }

    @Override
    public void unmap(final long address, final long lengthBytes) {
        target().unmap(address, lengthBytes);
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        target().protect(address, lengthBytes, protection);
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        return target().remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
    }

    @Override
    public void lock(final long address, final long lengthBytes, final LockMode mode) {
        target().lock(address, lengthBytes, mode);
    }

    @Override
    public void unlock(final long address, final long lengthBytes) {
        target().unlock(address, lengthBytes);
    }

    @Override
    public void advise(final long address, final long lengthBytes, final Advice advice) {
        target().advise(address, lengthBytes, advice);
    }

    @Override
    public boolean owns(final long address, final long lengthBytes) {
        return target().owns(address, lengthBytes);
    }

    @Override
    public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
        return delegate.mappings(fromAddress, toAddress, source);
    }

    @Override
    public long residentBytes(final long fromAddress, final long toAddress) {
        return delegate.residentBytes(fromAddress, toAddress);
    }

    @Override
    public Residency residency(final long fromAddress, final long toAddress, final long[] within) {
        return delegate.residency(fromAddress, toAddress, within);
    }

    @Override
    public void hold(final Lease lease, final long address, final long lengthBytes) {
        delegate.hold(lease, address, lengthBytes);
    }

    @Override
    public void unhold(final Lease lease, final long address, final long lengthBytes) {
        delegate.unhold(lease, address, lengthBytes);
    }

    @Override
    public long lockedBytes() {
        return delegate.lockedBytes();
    }

    @Override
    public LockBudget lockBudget() {
        return delegate.lockBudget();
    }

    @Override
    public long availableMemoryBytes() {
        return delegate.availableMemoryBytes();
    }

    @Override
    public long pageSize() {
        return delegate.pageSize();
    }

    @Override
    public Capabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public void written(final long address, final long lengthBytes) {
        if (delegate instanceof FaultObserver) {
            ((FaultObserver)delegate).written(address, lengthBytes);
        }
    }

    @Override
    public void read(final long address, final long lengthBytes) {
        if (delegate instanceof FaultObserver) {
            ((FaultObserver)delegate).read(address, lengthBytes);
        }
    }
}
