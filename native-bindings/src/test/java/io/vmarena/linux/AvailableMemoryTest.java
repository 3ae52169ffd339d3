package io.vmarena.linux;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code availableMemoryBytes} is MemAvailable of /proc/meminfo: known, and at most MemTotal. */
class AvailableMemoryTest {
    @Test
    void shouldReadMemAvailable() {
        final AddressSpace space = AddressSpaces.open("linux");
        final long totalBytes = ProcFiles.kilobytes(ProcFiles.field(ProcFiles.read("/proc/meminfo"), "MemTotal"));

        final long availableBytes = space.availableMemoryBytes();

        assertTrue(availableBytes > 0 && availableBytes <= totalBytes, availableBytes + " of " + totalBytes);
    }
}
