package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;

/** The stats contract on the simulator, which answers from its own pages. */
class SimStatsTest extends StatsContract {
    SimStatsTest() {
        simulate(KernelProfile.LINUX_6_17.withMemlock(KernelProfile.UNLIMITED));
    }
}
