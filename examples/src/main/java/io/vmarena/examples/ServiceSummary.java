package io.vmarena.examples;

import io.vmarena.vm.AddressSpace;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The end of {@code vmarena pinned-service}: the summary tables (one row per variant), the
 * variants against each other (ratios of their percentiles), and what pinning can and cannot do on
 * this machine, read from it (swap, whether the kernel's memory compaction migrates locked pages).
 * The tables are a contract: their headings and column names stay as they are.
 */
final class ServiceSummary {
    static final String LATENCY_HEADING = "summary: latency (us, from each request's intended start)";
    static final String MEMORY_HEADING = "summary: the background thread, the arena and the faults";
    private static final double[] PERCENTILES = {50, 99, 99.9, 99.99};

    private ServiceSummary() {
    }

    static List<String> table(final List<ServiceRun.Result> results) {
        final List<String> lines = new ArrayList<>();
        lines.add(LATENCY_HEADING);
        lines.add(String.format(Locale.ROOT, "%-24s %10s %9s %9s %9s %9s %9s %10s", "variant", "requests", "p50",
            "p99", "p99.9", "p99.99", "max", "verified"));
        for (final ServiceRun.Result result : results) {
            final Histogram histogram = result.histogram();
            lines.add(String.format(Locale.ROOT, "%-24s %10d %9s %9s %9s %9s %9s %10s", result.variant().name(),
                histogram.getTotalCount(), ServiceRun.percentile(histogram, 50), ServiceRun.percentile(histogram, 99),
                ServiceRun.percentile(histogram, 99.9), ServiceRun.percentile(histogram, 99.99),
                PinnedLowLatencyService.micros(histogram.getMaxValue()), result.mismatches() == 0 ? "all" : "FAILED"));
        }
        lines.add("");
        lines.add(MEMORY_HEADING);
        lines.add(String.format(Locale.ROOT, "%-24s %11s %10s %13s %13s %10s %10s %10s %11s %10s %10s %11s %6s",
            "variant", "compactions", "moved", "longest-slice", "pin-state", "pinned", "VmLck", "RSS", "req-preempt",
            "req-waited", "req-minflt", "proc-minflt", "majflt"));
        for (final ServiceRun.Result result : results) {
            lines.add(String.format(Locale.ROOT, "%-24s %11d %10s %13s %13s %10s %10s %10s %11s %10s %10s %11s %6s",
                result.variant().name(), result.compactions(), mebibytes(result.movedBytes()),
                PinnedLowLatencyService.micros(result.longestPauseNanos()) + "us", result.pinState(),
                mebibytes(result.pinnedBytes()), mebibytes(result.lockedBytes()), mebibytes(result.residentBytes()),
                count(result.requestThread().preemptions()), count(result.requestThread().waits()),
                count(result.requestThread().minorFaults()),
                count(result.processMinorFaults()),
                count(result.processMajorFaults())));
        }
        lines.add("(moved: bytes compaction slid or copied; pinned: the arena's share of VmLck, and VmLck and RSS, "
            + "at the end of the run; req-preempt: times the scheduler took the request thread off its CPU for "
            + "another thread; req-waited: times it blocked (the arena's lock, a section waiting out a move, a JVM "
            + "safepoint); req-minflt: its minor faults; proc-: the whole process's)");
        return lines;
    }

    /** Each variant against its neighbour that differs in one thing: ratios of their percentiles. */
    static List<String> comparisons(final List<ServiceRun.Result> results) {
        final List<String> lines = new ArrayList<>();
        lines.add("the variants against each other (the first's percentile over the second's: above 1.00 the first is "
            + "slower; one run's tail percentiles move by more than a few percent from run to run):");
        lines.add(ratios("what pinning buys", results.get(1), results.get(0)));
        lines.add(ratios("", results.get(3), results.get(2)));
        lines.add(ratios("what compaction costs", results.get(0), results.get(2)));
        lines.add(ratios("", results.get(1), results.get(3)));
        return lines;
    }

    /**
     * The ratios of {@code first}'s percentiles over {@code second}'s; none where {@code first} is
     * meant to compact and did not (a load that left nothing to compact, a run too short): its
     * figures would be two runs without compaction, and their noise would pass for its cost.
     */
    private static String ratios(final String what, final ServiceRun.Result first, final ServiceRun.Result second) {
        final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-22s %s / %s:", what,
            first.variant().name(), second.variant().name()));
        if (first.variant().compacting() && !second.variant().compacting() && first.compactions() == 0) {
            return line.append(" no ratio: ").append(first.variant().name()).append(" did no compaction, so the two "
                + "differ in nothing but their noise").toString();
        }
        for (final double percentile : PERCENTILES) {
            line.append(String.format(Locale.ROOT, " p%s x%.2f", percentile == (long)percentile
                ? String.valueOf((long)percentile) : String.valueOf(percentile),
                ratio(first.histogram().getValueAtPercentile(percentile),
                    second.histogram().getValueAtPercentile(percentile))));
        }
        line.append(String.format(Locale.ROOT, " max x%.2f",
            ratio(first.histogram().getMaxValue(), second.histogram().getMaxValue())));
        return line.toString();
    }

    private static double ratio(final long numerator, final long denominator) {
        return (double)Math.max(numerator, 1) / Math.max(denominator, 1);
    }

    /** What pinning can do here, from this machine's settings; on the simulator, that it models none of it. */
    static List<String> residencyNotes(final AddressSpace space) {
        final List<String> lines = new ArrayList<>();
        lines.add("what pinning does here:");
        if (DemoScale.isSimulated(space)) {
            lines.add("  on the simulator nothing is locked, swapped or faulted by a kernel: its pinned and unpinned "
                + "runs differ only in the simulator's bookkeeping, and its times are this JVM's");
            return lines;
        }
        final long swapKiB = meminfoKiB("SwapTotal");
        if (swapKiB >= 0) {
            lines.add(swapKiB == 0
            ? "  no swap (SwapTotal 0): anonymous memory is never swapped out here, pinned or not, so pinning cannot "
                + "save a request from a major fault; it would with swap (or zswap) configured"
            : "  swap of " + Bytes.format(swapKiB * 1024) + ": an unpinned arena's pages may be swapped out under "
                + "memory pressure (a major fault when touched again); a pinned one's are not");
        }
        lines.add("  MLOCK_ONFAULT locks pages as they are first touched and faults nothing in: a first touch faults "
            + "pinned or not (req-minflt); populate() would take those faults before the traffic");
        final String unevictable = firstLine(Path.of("/proc/sys/vm/compact_unevictable_allowed"));
        if (unevictable != null) {
            lines.add("  vm.compact_unevictable_allowed " + unevictable + ": the kernel's memory compaction "
                + (unevictable.equals("0") ? "leaves locked pages where they are" : "may migrate locked pages too (a "
                + "brief wait for a request that touches one)") + "; locked pages sit on the unevictable list, "
                + "which reclaim does not scan");
        }
        return lines;
    }

    private static long meminfoKiB(final String field) {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (final IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static String firstLine(final Path file) {
        try {
            return Files.readAllLines(file).get(0).trim();
        } catch (final IOException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    private static String mebibytes(final long bytes) {
        return String.format(Locale.ROOT, "%.1fMiB", bytes / (double)(1 << 20));
    }

    static String count(final long value) {
        return value < 0 ? "n/a" : String.valueOf(value);
    }
}
