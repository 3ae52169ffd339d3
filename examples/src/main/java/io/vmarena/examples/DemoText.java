package io.vmarena.examples;

import io.vmarena.ArenaStats;
import io.vmarena.vm.Mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** How the demo prints an arena's stats, its VMA map, durations, counts and addresses. */
final class DemoText {
    /** The VMA map shows at most this many lines, then "... N more". */
    static final int MAX_VMA_LINES = 12;

    private DemoText() {
    }

    /** Two lines: the memory, then the VMAs and segments. */
    static List<String> stats(final ArenaStats stats) {
        return List.of(
            "reserved " + Bytes.format(stats.reservedBytes()) + ", committed " + Bytes.format(stats.committedBytes())
                + ", resident (RSS) " + Bytes.format(stats.residentBytes()) + ", used "
                + Bytes.format(stats.usedBytes()) + ", retained " + Bytes.format(stats.retainedBytes()),
            count(stats.vmaCount()) + (stats.vmaCount() == 1 ? " VMA" : " VMAs") + "; segments: "
                + count(stats.classSegments()) + " small-block, " + count(stats.runSegments()) + " in runs, "
                + count(stats.freeSegments()) + " free; fragmentation " + percent(stats.fragmentation())
                + "; grows " + stats.grows() + ", moves " + stats.moves());
    }

    /** One line per VMA, {@code [start, end) prot  size}, at most {@link #MAX_VMA_LINES}. */
    static List<String> vmaMap(final List<Mapping> mappings) {
        final List<String> lines = new ArrayList<>();
        final int shown = mappings.size() <= MAX_VMA_LINES ? mappings.size() : MAX_VMA_LINES - 1;
        for (int index = 0; index < shown; index++) {
            final Mapping mapping = mappings.get(index);
            lines.add("[" + hex(mapping.startAddress()) + ", " + hex(mapping.endAddress()) + ") "
                + mapping.protection().symbol() + "  " + Bytes.format(mapping.lengthBytes()));
        }
        if (shown < mappings.size()) {
            lines.add("... " + (mappings.size() - shown) + " more");
        }
        return lines;
    }

    static String hex(final long address) {
        return "0x" + Long.toHexString(address);
    }

    /** {@code [0x..., 0x...)}. */
    static String range(final long fromAddress, final long toAddress) {
        return "[" + hex(fromAddress) + ", " + hex(toAddress) + ")";
    }

    /** {@code 55,123}. */
    static String count(final long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    static String percent(final double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    /** {@code 3.2 us}, {@code 450 us}, {@code 12.3 ms}, {@code 412 ms}, {@code 1.23 s}. */
    static String nanos(final long nanos) {
        if (nanos < 1_000_000) {
            return decimal(nanos / 1e3) + " us";
        }
        if (nanos < 1_000_000_000) {
            return decimal(nanos / 1e6) + " ms";
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** Two significant decimals below 10, one below 100, none above. */
    private static String decimal(final double value) {
        final String format = value < 10 ? "%.2f" : value < 100 ? "%.1f" : "%.0f";
        return String.format(Locale.ROOT, format, value);
    }

    /** {@code the move was 1,234x faster}, or {@code the copy was 1.8x faster}, whichever is true. */
    static String faster(final String first, final long firstNanos, final String second, final long secondNanos) {
        final boolean firstWins = firstNanos <= secondNanos;
        final double ratio = (double)Math.max(firstNanos, secondNanos) / Math.max(1, Math.min(firstNanos, secondNanos));
        return (firstWins ? first : second) + " was " + (ratio >= 10 ? String.format(Locale.ROOT, "%,.0fx", ratio)
            : String.format(Locale.ROOT, "%.1fx", ratio)) + " faster";
    }
}
