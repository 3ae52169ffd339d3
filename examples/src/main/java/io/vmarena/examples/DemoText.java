package io.vmarena.examples;

import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;
import io.vmarena.vm.Mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** How the demo prints an arena's stats, its VMA map, durations, counts and addresses. */
final class DemoText {
    /** The VMA map shows at most this many lines, then "... N more". */
    static final int MAX_VMA_LINES = 12;
    /** A unit that follows its number: {@code MiB,}, {@code ms)}. */
    private static final Pattern UNIT = Pattern.compile("(bytes|KiB|MiB|GiB|TiB|us|ms|s)[,;:)]?");

    private DemoText() {
    }

    /**
     * Three lines, each short enough for an 80-column terminal: the memory, the use, the segments.
     * {@code resident (RSS)} is what is in memory as measured ({@link io.vmarena.Arena#residency()});
     * the arena's own account (stats()'s residentBytes, an upper bound) is in the JSON only.
     */
    static List<String> stats(final ArenaStats stats, final ArenaResidency residency) {
        return List.of(
            "reserved " + Bytes.format(stats.reservedBytes()) + ", committed " + Bytes.format(stats.committedBytes())
                + ", resident (RSS) " + Bytes.format(residency.residentBytes()),
            "used " + Bytes.format(stats.usedBytes()) + ", retained " + Bytes.format(stats.retainedBytes()) + "; "
                + count(stats.vmaCount()) + (stats.vmaCount() == 1 ? " VMA" : " VMAs") + "; grows " + stats.grows()
                + ", moves " + stats.moves(),
            "segments: " + count(stats.classSegments()) + " small-block, " + count(stats.runSegments()) + " in runs, "
                + count(stats.freeSegments()) + " free; fragmentation " + percent(stats.fragmentation()));
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

    /**
     * {@code line} in lines of at most {@code columns} characters, broken at spaces; every line
     * after the first is indented two more than the first, so it reads as the same sentence. A
     * word longer than a line (an address range, say) is left whole.
     */
    static List<String> wrap(final String line, final int columns) {
        if (line.length() <= columns) {
            return List.of(line);
        }
        int indent = 0;
        while (indent < line.length() && line.charAt(indent) == ' ') {
            indent++;
        }
        final String hanging = " ".repeat(indent + 2);
        final List<String> lines = new ArrayList<>();
        final StringBuilder current = new StringBuilder(line.substring(0, indent));
        int wordsOnLine = 0;
        for (final String word : glued(line.substring(indent).split(" ", -1))) {
            if (wordsOnLine > 0 && current.length() + 1 + word.length() > columns) {
                lines.add(current.toString());
                current.setLength(0);
                current.append(hanging);
                wordsOnLine = 0;
            }
            if (wordsOnLine > 0) {
                current.append(' ');
            }
            current.append(word);
            wordsOnLine++;
        }
        lines.add(current.toString());
        return lines;
    }

    /**
     * Words with {@code a -> b} and {@code 12.3 MiB} as one, so that a figure and its unit, or a
     * before and after, are never broken apart.
     */
    private static List<String> glued(final String[] words) {
        final List<String> glued = new ArrayList<>();
        for (int index = 0; index < words.length; index++) {
            final String last = glued.isEmpty() ? "" : glued.get(glued.size() - 1);
            if (words[index].equals("->") && !glued.isEmpty() && index + 1 < words.length) {
                glued.set(glued.size() - 1, last + " -> " + words[++index]);
            } else if (UNIT.matcher(words[index]).matches() && !last.isEmpty()
                && Character.isDigit(last.charAt(last.length() - 1))) {
                glued.set(glued.size() - 1, last + " " + words[index]);
            } else {
                glued.add(words[index]);
            }
        }
        return glued;
    }

    /** {@code 3.2 s}: a step's progress, redrawn a few times a second. */
    static String seconds(final long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
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
