package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;

/** How an arena ends, on a fresh simulated Linux 6.17 process per test. */
class SimArenaLifecycleTest extends ArenaLifecycleContract {
    SimArenaLifecycleTest() {
        simulate(KernelProfile.LINUX_6_17);
    }
}
