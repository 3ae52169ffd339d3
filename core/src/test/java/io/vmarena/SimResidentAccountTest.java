package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;

/** The resident account contract on the simulator, which answers from its own pages. */
class SimResidentAccountTest extends ResidentAccountContract {
    SimResidentAccountTest() {
        simulate(KernelProfile.LINUX_6_17.withMemlock(KernelProfile.UNLIMITED));
    }
}
