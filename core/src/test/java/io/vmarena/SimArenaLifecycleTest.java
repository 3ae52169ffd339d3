package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;

/** How an arena ends, on a fresh simulated Linux 6.17 process per test. */
class SimArenaLifecycleTest extends ArenaLifecycleContract {
    @Override
    protected AddressSpace addressSpace() {
        return new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
    }

    @Override
    protected void release(final AddressSpace addressSpace) {
        ((SimulatedAddressSpace)addressSpace).close();
    }
}
