package io.vmarena.examples;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MemInfoTest {
    @Test
    void shouldReadMemAvailableFromProcMeminfo() {
        assertEquals(23_068_672L * 1024, MemInfo.availableBytes(List.of("MemTotal:       24576000 kB",
            "MemFree:        22000000 kB", "MemAvailable:   23068672 kB")));
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> MemInfo.availableBytes(List.of("MemTotal: 1 kB")));
        assertEquals("no MemAvailable line in /proc/meminfo", missing.getMessage());
    }

    @Test
    void shouldFindMemoryAvailableOnThisMachine() {
        assumeTrue(Files.isReadable(Path.of("/proc/meminfo")), "no /proc/meminfo here");
        assertTrue(MemInfo.availableBytes() > 0 && MemInfo.availableBytes() <= DemoScale.physicalMemoryBytes());
    }
}
