package io.vmarena.vm.sim;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaceProvider;

/**
 * Registers the simulator with {@link java.util.ServiceLoader}. It works everywhere and is
 * preferred last: on Linux it runs only when asked for ({@code -Dvmarena.backend=sim}; see
 * {@link io.vmarena.vm.AddressSpaces}), elsewhere it is chosen with a warning. It
 * plays Linux 6.17 with the host's page size where that is one of 4, 16 or 64 KiB.
 */
public final class SimAddressSpaceProvider implements AddressSpaceProvider {
    @Override
    public String name() {
        return "sim";
    }

    @Override
    public int preference() {
        return 100;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public AddressSpace open() {
        return new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
    }
}
