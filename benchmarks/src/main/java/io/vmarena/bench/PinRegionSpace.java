package io.vmarena.bench;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Feature;
import io.vmarena.vm.ForwardingAddressSpace;
import io.vmarena.vm.KernelTrait;

/**
 * The address space {@link PinBenchmark} builds its arenas on: the system's, with one change when
 * {@code hideLockOnFault} is set: its {@link Capabilities} say the kernel lacks
 * {@code MLOCK_ONFAULT}, so that an arena built with {@code pinFallback(MLOCK)} pins with plain
 * mlock through the same {@code Arena.pin()} path as MLOCK_ONFAULT: the two modes differ only in
 * the flag. (The arena's range is leased, so nobody else may lock it.) Everything else, the
 * arena's leased calls included, goes to the system's address space unchanged.
 */
final class PinRegionSpace extends ForwardingAddressSpace {
    private final Capabilities capabilities;

    PinRegionSpace(final AddressSpace space, final boolean hideLockOnFault) {
        super(space);
        this.capabilities = hideLockOnFault ? withoutLockOnFault(space.capabilities()) : space.capabilities();
    }

    private static Capabilities withoutLockOnFault(final Capabilities caps) {
        final Capabilities.Builder builder = Capabilities.builder().backend(caps.backend())
            .multiVmaMove(caps.multiVmaMove())
            .lockOnFault(Feature.absent("hidden by PinBenchmark's mode mlock, so that pin() locks with plain mlock"))
            .procmapQuery(caps.procmapQuery()).pagemapScan(caps.pagemapScan()).ipcLock(caps.ipcLock())
            .pageSize(caps.pageSize())
            .pmdBytes(caps.pmdBytes()).thpMode(caps.thpMode()).thpDefrag(caps.thpDefrag()).memlock(caps.memlockSoftBytes(), caps.memlockHardBytes())
            .maxMapCount(caps.maxMapCount()).kernelRelease(caps.kernelRelease()).architecture(caps.architecture());
        for (final KernelTrait trait : KernelTrait.values()) {
            builder.trait(trait, caps.trait(trait));
        }
        return builder.build();
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }
}
