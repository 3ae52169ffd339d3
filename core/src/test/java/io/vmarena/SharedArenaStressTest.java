package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

/**
 * The shared-arena stress on the simulator, whose moves poison the memory they leave, so a
 * reader inside a read section that saw a move would fail its checksum. Longer with
 * {@code -Dvmarena.stress.seconds=N}.
 */
class SharedArenaStressTest {
    @Test
    void shouldNeverLetAReaderSeeMemoryMove() throws InterruptedException {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            new SharedArenaStress(space).run();
        }
    }
}
