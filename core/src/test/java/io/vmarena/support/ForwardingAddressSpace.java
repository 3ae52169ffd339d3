package io.vmarena.support;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.Lease;
import io.vmarena.vm.LeasedCalls;
import io.vmarena.vm.LeasedView;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.sim.SimulatedAddressSpace;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * A simulated address space seen through a subclass that changes a call or two (to fail, or to
 * damage what a move moved), so tests can show what callers do then. Everything else goes to
 * the simulator unchanged, including the writes callers report as page faults.
 *
 * <p>{@link #actingFor} returns a view whose calls go through this object's (overridden)
 * methods and on to the simulator acting for the lease, so an arena built on a subclass meets
 * its changes too. One thread at a time: the view sets the lease for the length of a call.
 */
public abstract class ForwardingAddressSpace implements AddressSpace, FaultObserver {
    protected final SimulatedAddressSpace space;
    /** Where calls go: the simulator, or the simulator acting for a lease during a view's call. */
    private AddressSpace target;

    protected ForwardingAddressSpace(final SimulatedAddressSpace space) {
        this.space = space;
        this.target = space;
    }

    @Override
    public void hold(final Lease lease, final long address, final long lengthBytes) {
        space.hold(lease, address, lengthBytes);
    }

    @Override
    public void unhold(final Lease lease, final long address, final long lengthBytes) {
        space.unhold(lease, address, lengthBytes);
    }

    @Override
    public AddressSpace actingFor(final Lease lease) {
        final AddressSpace acting = space.actingFor(lease);
        return new LeasedView(this, new LeasedCalls() {
            @Override
            public long map(final Lease unused, final long address, final long lengthBytes,
                final Protection protection, final int flags) {
                return as(acting, () -> ForwardingAddressSpace.this.map(address, lengthBytes, protection, flags));
            }

            @Override
            public void unmap(final Lease unused, final long address, final long lengthBytes) {
                as(acting, () -> {
                    ForwardingAddressSpace.this.unmap(address, lengthBytes);
                    return 0L;
                });
            }

            @Override
            public void protect(final Lease unused, final long address, final long lengthBytes,
                final Protection protection) {
                as(acting, () -> {
                    ForwardingAddressSpace.this.protect(address, lengthBytes, protection);
                    return 0L;
                });
            }

            @Override
            public long remap(final Lease unused, final long oldAddress, final long oldLengthBytes,
                final long newLengthBytes, final int flags, final long newAddress) {
                return as(acting, () -> ForwardingAddressSpace.this.remap(oldAddress, oldLengthBytes, newLengthBytes,
                    flags, newAddress));
            }

            @Override
            public void lock(final Lease unused, final long address, final long lengthBytes, final LockMode mode) {
                as(acting, () -> {
                    ForwardingAddressSpace.this.lock(address, lengthBytes, mode);
                    return 0L;
                });
            }

            @Override
            public void unlock(final Lease unused, final long address, final long lengthBytes) {
                as(acting, () -> {
                    ForwardingAddressSpace.this.unlock(address, lengthBytes);
                    return 0L;
                });
            }

            @Override
            public void advise(final Lease unused, final long address, final long lengthBytes, final Advice advice) {
                as(acting, () -> {
                    ForwardingAddressSpace.this.advise(address, lengthBytes, advice);
                    return 0L;
                });
            }

            @Override
            public boolean owns(final Lease unused, final long address, final long lengthBytes) {
                return acting.owns(address, lengthBytes);
            }
        }, lease);
    }

    private long as(final AddressSpace acting, final LongSupplier call) {
        final AddressSpace before = target;
        target = acting;
        try {
            return call.getAsLong();
        } finally {
            target = before;
        }
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        return target.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        target.protect(address, lengthBytes, protection);
    }

    @Override
    public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
        return target.map(address, lengthBytes, protection, flags);
    }

    @Override
    public void unmap(final long address, final long lengthBytes) {
        target.unmap(address, lengthBytes);
    }

    @Override
    public void lock(final long address, final long lengthBytes, final LockMode mode) {
        target.lock(address, lengthBytes, mode);
    }

    @Override
    public void unlock(final long address, final long lengthBytes) {
        target.unlock(address, lengthBytes);
    }

    @Override
    public void advise(final long address, final long lengthBytes, final Advice advice) {
        target.advise(address, lengthBytes, advice);
    }

    @Override
    public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
        return space.mappings(fromAddress, toAddress, source);
    }

    @Override
    public boolean owns(final long address, final long lengthBytes) {
        return target.owns(address, lengthBytes);
    }

    @Override
    public long lockedBytes() {
        return space.lockedBytes();
    }

    @Override
    public io.vmarena.vm.LockBudget lockBudget() {
        return space.lockBudget();
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
