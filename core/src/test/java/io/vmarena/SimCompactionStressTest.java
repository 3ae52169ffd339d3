package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compaction stress on the simulator, whose moves poison the memory they leave, so a reader
 * inside a read section that saw a slide would fail its checksum. Longer with
 * {@code -Dvmarena.stress.seconds=N}.
 */
class SimCompactionStressTest {
    @ParameterizedTest
    @ValueSource(strings = {"6.17", "6.1"})
    void shouldNeverLetAReaderSeeMemoryMoveWhileCompactionRuns(final String kernel) throws InterruptedException {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.forKernel(kernel))) {
            new CompactionStress(space).run();
        }
    }
}
