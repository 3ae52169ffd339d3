package io.vmarena;

import io.vmarena.vm.AddressSpaces;
import org.junit.jupiter.api.Test;

/**
 * The shared-arena stress on this machine's kernel: a reader that touched memory while it moved
 * would fault on the unmapped old range and bring the test JVM down.
 */
class LinuxSharedArenaStressTest {
    @Test
    void shouldNeverLetAReaderSeeMemoryMove() throws InterruptedException {
        new SharedArenaStress(AddressSpaces.open("linux")).run();
    }
}
