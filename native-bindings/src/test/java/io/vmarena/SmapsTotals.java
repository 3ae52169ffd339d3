package io.vmarena;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What /proc/self/smaps says of a range, read from the file itself (not through the backend):
 * the VMAs that intersect it, and the sums of their Rss, Locked and AnonHugePages.
 */
record SmapsTotals(int vmaCount, long residentBytes, long lockedBytes, long hugePageBytes) {
    static SmapsTotals of(final long fromAddress, final long toAddress) {
        final java.util.List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        int vmas = 0;
        long rssBytes = 0;
        long lockedBytes = 0;
        long hugeBytes = 0;
        boolean inside = false;
        for (final String line : lines) {
            final int dash = line.indexOf('-');
            final int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                final long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                final long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = start < toAddress && end > fromAddress;
                vmas += inside ? 1 : 0;
            } else if (inside && line.startsWith("Rss:")) {
                rssBytes += kilobytes(line) << 10;
            } else if (inside && line.startsWith("Locked:")) {
                lockedBytes += kilobytes(line) << 10;
            } else if (inside && line.startsWith("AnonHugePages:")) {
                hugeBytes += kilobytes(line) << 10;
            }
        }
        return new SmapsTotals(vmas, rssBytes, lockedBytes, hugeBytes);
    }

    /** smaps' figures for the range {@code stats} describe. */
    static SmapsTotals of(final ArenaStats stats) {
        return of(stats.baseAddress(), stats.baseAddress() + stats.reservedBytes());
    }

    /** The same four figures as {@code stats} gives them. */
    static SmapsTotals from(final ArenaStats stats) {
        return new SmapsTotals(stats.vmaCount(), stats.residentBytes(), stats.lockedBytes(), stats.hugePageBytes());
    }

    private static long kilobytes(final String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
