package io.vmarena.bench;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.Feature;
import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.Lease;
import io.vmarena.vm.LeasedCalls;
import io.vmarena.vm.LeasedView;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;

import java.util.List;

/**
 * The address space {@link PinBenchmark} builds its arenas on: the system's, with two changes
 * that keep the comparison about the lock call alone.
 * <ul>
 *   <li>Huge pages are refused ({@code MADV_NOHUGEPAGE}) on every range an arena commits, so a
 *       page is a page whatever the THP mode: a plain mlock populates 4 KiB pages, and a first
 *       touch faults one page, not a PMD.</li>
 *   <li>With {@code hideLockOnFault}, its {@link Capabilities} say the kernel lacks
 *       {@code MLOCK_ONFAULT}, so that an arena built with {@code pinFallback(MLOCK)} pins with
 *       plain mlock through the same {@code Arena.pin()} path as MLOCK_ONFAULT: the two modes
 *       differ only in the flag. (The arena's range is leased, so nobody else may lock it.)</li>
 * </ul>
 * Everything else goes to the system's address space unchanged, including an arena's leased calls.
 */
final class PinRegionSpace implements AddressSpace, FaultObserver {
    private final AddressSpace space;
    private final Capabilities capabilities;

    PinRegionSpace(final AddressSpace space, final boolean hideLockOnFault) {
        this.space = space;
        this.capabilities = hideLockOnFault ? withoutLockOnFault(space.capabilities()) : space.capabilities();
    }

    private static Capabilities withoutLockOnFault(final Capabilities caps) {
        final Capabilities.Builder builder = Capabilities.builder().backend(caps.backend())
            .multiVmaMove(caps.multiVmaMove())
            .lockOnFault(Feature.absent("hidden by PinBenchmark's mode mlock, so that pin() locks with plain mlock"))
            .procmapQuery(caps.procmapQuery()).ipcLock(caps.ipcLock()).pageSize(caps.pageSize())
            .pmdBytes(caps.pmdBytes()).thpMode(caps.thpMode()).memlock(caps.memlockSoftBytes(), caps.memlockHardBytes())
            .maxMapCount(caps.maxMapCount()).kernelRelease(caps.kernelRelease()).architecture(caps.architecture());
        for (final KernelTrait trait : KernelTrait.values()) {
            builder.trait(trait, caps.trait(trait));
        }
        return builder.build();
    }

    @Override
    public AddressSpace actingFor(final Lease lease) {
        final AddressSpace acting = space.actingFor(lease);
        return new LeasedView(this, new LeasedCalls() {
            @Override
            public long map(final Lease unused, final long address, final long lengthBytes, final Protection protection,
                final int flags) {
                return acting.map(address, lengthBytes, protection, flags);
            }

            @Override
            public void unmap(final Lease unused, final long address, final long lengthBytes) {
                acting.unmap(address, lengthBytes);
            }

            @Override
            public void protect(final Lease unused, final long address, final long lengthBytes,
                final Protection protection) {
                acting.protect(address, lengthBytes, protection);
                if (protection == Protection.READ_WRITE) { // an arena commits: no huge page in what it commits
                    acting.advise(address, lengthBytes, Advice.NOHUGEPAGE);
                }
            }

            @Override
            public long remap(final Lease unused, final long oldAddress, final long oldLengthBytes,
                final long newLengthBytes, final int flags, final long newAddress) {
                return acting.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
            }

            @Override
            public void lock(final Lease unused, final long address, final long lengthBytes, final LockMode mode) {
                acting.lock(address, lengthBytes, mode);
            }

            @Override
            public void unlock(final Lease unused, final long address, final long lengthBytes) {
                acting.unlock(address, lengthBytes);
            }

            @Override
            public void advise(final Lease unused, final long address, final long lengthBytes, final Advice advice) {
                acting.advise(address, lengthBytes, advice);
            }

            @Override
            public boolean owns(final Lease unused, final long address, final long lengthBytes) {
                return acting.owns(address, lengthBytes);
            }
        }, lease);
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
        space.protect(address, lengthBytes, protection);
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        return space.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
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
    public long residentBytes(final long fromAddress, final long toAddress) {
        return space.residentBytes(fromAddress, toAddress);
    }

    @Override
    public boolean owns(final long address, final long lengthBytes) {
        return space.owns(address, lengthBytes);
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
    public long lockedBytes() {
        return space.lockedBytes();
    }

    @Override
    public long pageSize() {
        return space.pageSize();
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    /** The benchmark's touches, passed on to a simulator (the smoke test's); Linux sees its own faults. */
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
}
