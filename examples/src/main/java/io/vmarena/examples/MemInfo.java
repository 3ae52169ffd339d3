package io.vmarena.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The memory this machine can give a process now: MemAvailable of /proc/meminfo, which counts reclaimable cache. */
final class MemInfo {
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private MemInfo() {
    }

    /** MemAvailable in bytes; where /proc/meminfo has none (not Linux), the machine's whole memory. */
    static long availableBytes() {
        try {
            return availableBytes(Files.readAllLines(MEMINFO));
        } catch (final IOException | SecurityException | IllegalArgumentException unreadable) {
            return DemoScale.physicalMemoryBytes();
        }
    }

    /**
     * MemAvailable from the lines of /proc/meminfo ({@code MemAvailable:   23068672 kB}).
     *
     * @throws IllegalArgumentException when no line gives it
     */
    static long availableBytes(final List<String> lines) {
        for (final String line : lines) {
            final String[] fields = line.trim().split("\\s+");
            if (fields.length == 3 && fields[0].equals("MemAvailable:") && fields[2].equals("kB")) {
                return Long.parseLong(fields[1]) * 1024;
            }
        }
        throw new IllegalArgumentException("no MemAvailable line in /proc/meminfo");
    }
}
