package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh simulated Linux 6.17 address space for each test, closed after it: closing is refused
 * while an arena still holds a range of it, so a test that leaves an arena open fails here.
 * JUnit runs a subclass's own {@code @AfterEach} methods (closing its arenas) before this one.
 */
abstract class SimulatorFixture {
    SimulatedAddressSpace space;

    @BeforeEach
    final void openSimulator() {
        space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
    }

    @AfterEach
    final void closeSimulator() {
        space.close();
    }
}
