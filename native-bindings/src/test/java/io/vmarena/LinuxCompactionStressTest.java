package io.vmarena;

import io.vmarena.vm.AddressSpaces;
import org.junit.jupiter.api.Test;

/**
 * The compaction stress on this machine's kernel: a reader that touched memory while a slice
 * moved it would fault on the unmapped old range and bring the test JVM down. Longer with
 * {@code -Dvmarena.stress.seconds=N}.
 */
class LinuxCompactionStressTest {
    @Test
    void shouldNeverLetAReaderSeeMemoryMoveWhileCompactionRuns() throws InterruptedException {
        new CompactionStress(AddressSpaces.open("linux")).run();
    }
}
