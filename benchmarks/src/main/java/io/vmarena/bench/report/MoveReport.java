package io.vmarena.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns MoveBenchmark's JMH JSON into {@code move-report.md} and three PNG charts: move time
 * against VMA count per strategy, throughput against region size per alignment with memcpy
 * (COPY) beside it, and the per-VMA / multi-VMA time ratio.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar report --out reports/move results.json...
 * </pre>
 */
public final class MoveReport {
    /** The VMA sweep's fixed parameters. */
    public static final long SWEEP_BYTES = 64L << 20;
    static final String[] PER_VMA = {"PER_VMA_KNOWN", "PER_VMA_PROC_MAPS", "PER_VMA_PROCMAP_QUERY", "COPY"};
    private static final String[] STRATEGIES = {"MULTI_VMA", "PER_VMA_KNOWN", "PER_VMA_PROC_MAPS",
        "PER_VMA_PROCMAP_QUERY", "COPY"};
    private static final String[] ALIGNMENTS = {"PUD", "PMD", "NONE"};

    private final MoveResults results;
    private final Path directory;
    private final String command;

    MoveReport(final MoveResults results, final Path directory, final String command) {
        this.results = results;
        this.directory = directory;
        this.command = command;
    }

    public static void main(final String[] args) throws IOException {
        final ReportArguments arguments = ReportArguments.parse(args, Map.of("--out", "reports/move"),
            "MoveReport [--out DIR] RESULTS.json...");
        final Path report = write(MoveResults.read(arguments.files()), arguments.directory("--out"),
            "java -jar benchmarks/target/benchmarks.jar report " + String.join(" ", args));
        System.out.println("wrote " + report);
    }

    /** Writes the Markdown and the charts into {@code directory}; returns the Markdown's path. */
    public static Path write(final MoveResults results, final Path directory, final String command)
        throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(directory);
        return new MoveReport(results, directory, command).write();
    }

    private Path write() throws IOException {
        final List<String> md = new ArrayList<>();
        md.add("# Move benchmark");
        md.add("");
        md.add("Machine: " + (results.machine().isEmpty() ? "not recorded" : results.machine()) + "; JVM: "
            + results.jvm() + ".");
        md.add("Produced by `" + command + "`. Times are JMH means of one move (ping-pong between two "
            + "reservations), in microseconds, with JMH's 99.9% error.");
        md.add("");
        vmaSweep(md);
        sizeSweep(md);
        allRows(md);
        final Path report = directory.resolve("move-report.md");
        Files.write(report, md, StandardCharsets.UTF_8);
        return report;
    }

    private List<MoveRow> sweep() {
        final List<MoveRow> sweep = new ArrayList<>();
        for (final MoveRow row : results.rows()) {
            if (row.matches(SWEEP_BYTES, "PMD", false, "prot")) {
                sweep.add(row);
            }
        }
        return sweep;
    }

    private MoveRow find(final List<MoveRow> rows, final String strategy, final int vmaCount) {
        for (final MoveRow row : rows) {
            if (row.strategy().equals(strategy) && row.vmaCount() == vmaCount) {
                return row;
            }
        }
        return null;
    }

    private void vmaSweep(final List<String> md) throws IOException {
        final List<MoveRow> sweep = sweep();
        if (sweep.isEmpty()) {
            return;
        }
        final TreeSet<Integer> counts = new TreeSet<>();
        sweep.forEach(row -> counts.add(row.vmaCount()));
        md.add("## Move time against VMA count");
        md.add("");
        md.add("64 MiB, PMD-congruent, pages never touched, VMAs made by alternating rw-/r--. µs per move.");
        md.add("");
        md.add("| VMAs | " + String.join(" | ", STRATEGIES) + " |");
        md.add("|---:|" + "---:|".repeat(STRATEGIES.length));
        final Map<String, double[][]> timeSeries = new LinkedHashMap<>();
        final Map<String, double[][]> ratioSeries = new LinkedHashMap<>();
        for (final int count : counts) {
            final StringBuilder line = new StringBuilder("| " + count + " |");
            for (final String strategy : STRATEGIES) {
                final MoveRow row = find(sweep, strategy, count);
                line.append(row == null ? " n/a |" : String.format(Locale.ROOT, " %.1f ± %.1f |", row.microseconds(),
                    row.error()));
            }
            md.add(line.toString());
        }
        for (final String strategy : STRATEGIES) {
            final List<double[]> points = new ArrayList<>();
            for (final int count : counts) {
                final MoveRow row = find(sweep, strategy, count);
                if (row != null) {
                    points.add(new double[] {count, row.microseconds()});
                }
            }
            timeSeries.put(strategy, MoveCharts.points(points));
        }
        ratioTable(md, sweep, counts, ratioSeries);
        MoveCharts.save(directory.resolve("move-time-vs-vmas.png"), "Move time against VMA count (64 MiB, PMD, "
            + "not populated)", "VMAs in the region", "µs per move", timeSeries, true);
        MoveCharts.save(directory.resolve("move-ratio-per-vma-vs-multi.png"), "Time of each strategy divided by "
            + "one multi-VMA mremap", "VMAs in the region", "times slower than MULTI_VMA", ratioSeries, false);
        md.add("![move time against VMA count](move-time-vs-vmas.png)");
        md.add("");
        md.add("![per-VMA / multi-VMA](move-ratio-per-vma-vs-multi.png)");
        md.add("");
    }

    private void ratioTable(final List<String> md, final List<MoveRow> sweep, final TreeSet<Integer> counts,
        final Map<String, double[][]> ratioSeries) {
        md.add("");
        md.add("How many times slower than one multi-VMA mremap:");
        md.add("");
        md.add("| VMAs | " + String.join(" | ", PER_VMA) + " |");
        md.add("|---:|" + "---:|".repeat(PER_VMA.length));
        final Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (final int count : counts) {
            final MoveRow multi = find(sweep, "MULTI_VMA", count);
            final StringBuilder line = new StringBuilder("| " + count + " |");
            for (final String strategy : PER_VMA) {
                final MoveRow row = find(sweep, strategy, count);
                if (multi == null || row == null) {
                    line.append(" n/a |");
                    continue;
                }
                final double ratio = row.microseconds() / multi.microseconds();
                line.append(String.format(Locale.ROOT, " %.2f× |", ratio));
                points.computeIfAbsent(strategy, k -> new ArrayList<>()).add(new double[] {count, ratio});
            }
            md.add(line.toString());
        }
        points.forEach((strategy, list) -> ratioSeries.put(strategy + " / MULTI_VMA", MoveCharts.points(list)));
        md.add("");
    }

    private void sizeSweep(final List<String> md) throws IOException {
        final TreeSet<Long> sizes = new TreeSet<>();
        for (final MoveRow row : results.rows()) {
            if (row.vmaCount() == 1 && row.populated() && row.layout().equals("prot")) {
                sizes.add(row.regionBytes());
            }
        }
        if (sizes.isEmpty()) {
            return;
        }
        md.add("## Populated moves by size and alignment");
        md.add("");
        md.add("One VMA, every page resident. µs per move (GiB/s); COPY is memcpy into a fresh mapping.");
        md.add("");
        md.add("| size | MULTI_VMA PUD | MULTI_VMA PMD | MULTI_VMA NONE | COPY | COPY / PUD |");
        md.add("|---:|---:|---:|---:|---:|---:|");
        final Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (final long size : sizes) {
            final StringBuilder line = new StringBuilder("| " + bytes(size) + " |");
            MoveRow pud = null;
            for (final String alignment : ALIGNMENTS) {
                final MoveRow row = single("MULTI_VMA", size, alignment);
                line.append(cell(row));
                pud = alignment.equals("PUD") ? row : pud;
                if (row != null) {
                    points.computeIfAbsent("MULTI_VMA " + alignment, k -> new ArrayList<>())
                        .add(new double[] {size, row.gibPerSecond()});
                }
            }
            final MoveRow copy = single("COPY", size, "PMD");
            line.append(cell(copy));
            line.append(copy == null || pud == null ? " n/a |" : String.format(Locale.ROOT, " %.0f× |",
                copy.microseconds() / pud.microseconds()));
            if (copy != null) {
                points.computeIfAbsent("COPY (memcpy)", k -> new ArrayList<>()).add(new double[] {size,
                    copy.gibPerSecond()});
            }
            md.add(line.toString());
        }
        final Map<String, double[][]> series = new LinkedHashMap<>();
        points.forEach((name, list) -> series.put(name, MoveCharts.points(list)));
        MoveCharts.save(directory.resolve("move-throughput-vs-size.png"), "Populated move throughput by size and "
            + "alignment", "region bytes", "GiB/s", series, true);
        md.add("");
        md.add("![throughput against size](move-throughput-vs-size.png)");
        md.add("");
    }

    private MoveRow single(final String strategy, final long size, final String alignment) {
        for (final MoveRow row : results.rows()) {
            if (row.strategy().equals(strategy) && row.vmaCount() == 1 && row.matches(size, alignment, true, "prot")) {
                return row;
            }
        }
        return null;
    }

    private static String cell(final MoveRow row) {
        return row == null ? " n/a |" : String.format(Locale.ROOT, " %.1f (%.1f) |", row.microseconds(),
            row.gibPerSecond());
    }

    private void allRows(final List<String> md) {
        md.add("## Every result");
        md.add("");
        md.add("| strategy | VMAs | bytes | alignment | populated | layout | µs/move | ± | calls/move | VMAs moved |");
        md.add("|---|---:|---:|---|---|---|---:|---:|---:|---:|");
        for (final MoveRow row : results.rows()) {
            md.add(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %.1f | %.1f | %.0f | %.0f |",
                row.strategy(), row.vmaCount(), bytes(row.regionBytes()), row.alignment(), row.populated(),
                row.layout(), row.microseconds(), row.error(), row.systemCalls(), row.vmasMoved()));
        }
    }

    static String bytes(final long value) {
        if (value >= 1L << 30 && value % (1L << 30) == 0) {
            return (value >> 30) + " GiB";
        }
        if (value >= 1L << 20 && value % (1L << 20) == 0) {
            return (value >> 20) + " MiB";
        }
        return (value >> 10) + " KiB";
    }
}
