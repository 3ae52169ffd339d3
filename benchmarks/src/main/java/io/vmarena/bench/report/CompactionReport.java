package io.vmarena.bench.report;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns CompactionBenchmark's and EvacuationBenchmark's JMH JSON, and the pause logs they write,
 * into {@code compaction-report.md} and a chart of the slices' pauses by percentile, with the
 * issue's targets checked: move at least 50 times faster than copy, slice pauses at p99.9
 * within the budget, RSS after evacuation within the live bytes plus a tenth plus one segment
 * per size class.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar compaction-report [--out DIR] [--pauses DIR] RESULTS.json...
 * </pre>
 */
public final class CompactionReport {
    /** The arena's default pause budget, which the benchmarks' arenas keep. */
    static final double PAUSE_BUDGET_MICROS = 500;
    static final double SPEED_UP_TARGET = 50;
    private static final double MIB = 1 << 20;

    private final List<BenchRow> rows;
    private final Map<String, Histogram> pauses;
    private final String machine;
    private final Path directory;
    private final String command;

    CompactionReport(final List<BenchRow> rows, final Map<String, Histogram> pauses, final String machine,
        final Path directory, final String command) {
        this.rows = rows;
        this.pauses = pauses;
        this.machine = machine;
        this.directory = directory;
        this.command = command;
    }

    public static void main(final String[] args) throws IOException {
        final ReportArguments arguments = ReportArguments.parse(args, Map.of("--out", "reports/compaction",
            "--pauses", "reports/compaction/pauses"), "compaction-report [--out DIR] [--pauses DIR] RESULTS.json...");
        final Path report = write(arguments.files(), arguments.directory("--pauses"), arguments.directory("--out"),
            "java -jar benchmarks/target/benchmarks.jar compaction-report " + String.join(" ", args));
        System.out.println("wrote " + report);
    }

    /** Writes the Markdown and the chart into {@code directory}; returns the Markdown's path. */
    public static Path write(final List<Path> files, final Path pauseDirectory, final Path directory,
        final String command) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(directory);
        return new CompactionReport(BenchRow.read(files, "CompactionBenchmark.", "EvacuationBenchmark."),
            PauseLogs.read(pauseDirectory), BenchRow.machine(files), directory, command).write();
    }

    private Path write() throws IOException {
        final List<String> md = new ArrayList<>();
        md.add("# Compaction benchmarks");
        md.add("");
        md.add("Machine: " + (machine.isEmpty() ? "not recorded" : machine) + ".");
        md.add("Produced by `" + command + "`. Each time is one compaction (a single shot on a fresh layout): "
            + "the median of the measured iterations, then JMH's mean ± 99.9% error. Counters are medians per "
            + "compaction.");
        md.add("");
        compaction(md);
        pauseSection(md);
        smapsCost(md);
        evacuation(md);
        final Path report = directory.resolve("compaction-report.md");
        Files.write(report, md, StandardCharsets.UTF_8);
        return report;
    }

    private List<BenchRow> of(final String benchmark) {
        final List<BenchRow> found = new ArrayList<>();
        for (final BenchRow row : rows) {
            if (row.benchmark().equals(benchmark)) {
                found.add(row);
            }
        }
        return found;
    }

    private BenchRow find(final String benchmark, final String method, final String arenaBytes) {
        for (final BenchRow row : of(benchmark)) {
            if (row.param("method").equals(method) && row.param("arenaBytes").equals(arenaBytes)) {
                return row;
            }
        }
        return null;
    }

    private void compaction(final List<String> md) {
        final List<BenchRow> compaction = new ArrayList<>(of("CompactionBenchmark.compact"));
        compaction.addAll(of("CompactionBenchmark.slices"));
        if (compaction.isEmpty()) {
            return;
        }
        md.add("## A churned arena compacted: page-table moves against copies (CompactionBenchmark)");
        md.add("");
        md.add("2 MiB one-segment blocks, every page written, half freed at random; `compact` is one `compact()`, "
            + "`slices` calls `compactSlice()` until complete (each call reads the memory figures before and after).");
        md.add("");
        md.add("| benchmark | method | arena | median ms | mean ± error ms | slices | runs | calls | VMAs moved "
            + "| VMAs before → after | reserved MiB before → after | resident MiB before → after "
            + "| longest pause µs |");
        md.add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (final BenchRow row : compaction) {
            md.add(compactionRow(row));
        }
        md.add("");
        for (final BenchRow move : compaction) {
            final String method = move.benchmark().substring(move.benchmark().indexOf('.') + 1);
            final BenchRow copy = find("CompactionBenchmark." + method, "copy", move.param("arenaBytes"));
            if (move.param("method").equals("move") && copy != null) {
                md.add(speedUp(move, copy, method.equals("compact")));
            }
        }
        md.add("");
    }

    private static String compactionRow(final BenchRow row) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %.2f ± %.2f | %.0f | %.0f | %.0f | %.0f "
            + "| %.0f → %.0f | %.0f → %.0f | %.0f → %.0f | %.0f |",
            row.benchmark().substring(row.benchmark().indexOf('.') + 1), row.param("method"),
            MoveReport.bytes(Long.parseLong(row.param("arenaBytes"))), row.medianMicros() / 1e3,
            row.meanMicros() / 1e3, row.errorMicros() / 1e3, row.counter("slices"), row.counter("runs"),
            row.counter("systemCalls"), row.counter("vmasMoved"), row.counter("vmasBefore"),
            row.counter("vmasAfter"), row.counter("reservedBytesBefore") / MIB,
            row.counter("reservedBytesAfter") / MIB, row.counter("residentBytesBefore") / MIB,
            row.counter("residentBytesAfter") / MIB, row.counter("longestPauseNanos") / 1e3);
    }

    /** The copy / move line; the target is the compaction users call, compact(). */
    private static String speedUp(final BenchRow move, final BenchRow copy, final boolean targeted) {
        final double ratio = copy.medianMicros() / move.medianMicros();
        final String verdict = !targeted ? "each call also reads the memory figures twice (below)"
            : ratio >= SPEED_UP_TARGET ? String.format(Locale.ROOT, "target at least %.0f×: met", SPEED_UP_TARGET)
            : String.format(Locale.ROOT, "target at least %.0f×: missed by %.1f×", SPEED_UP_TARGET,
                SPEED_UP_TARGET / ratio);
        return String.format(Locale.ROOT, "- %s, %s: copy / move = %.1f× (medians %.2f ms / %.2f ms); %s.",
            move.benchmark(), MoveReport.bytes(Long.parseLong(move.param("arenaBytes"))), ratio,
            copy.medianMicros() / 1e3, move.medianMicros() / 1e3, verdict);
    }

    private void pauseSection(final List<String> md) throws IOException {
        if (pauses.isEmpty()) {
            return;
        }
        md.add("## Pauses per slice");
        md.add("");
        md.add(String.format(Locale.ROOT, "From the pause logs (HdrHistogram): `slices` records every slice, `compact` "
            + "the longest slice of each compaction. Budget %.0f µs.", PAUSE_BUDGET_MICROS));
        md.add("");
        md.add("| log | pauses | p50 µs | p99 µs | p99.9 µs | max µs | p99.9 within budget |");
        md.add("|---|---:|---:|---:|---:|---:|---|");
        final Map<String, double[][]> series = new LinkedHashMap<>();
        double widest = 10;
        for (final Map.Entry<String, Histogram> entry : pauses.entrySet()) {
            final Histogram histogram = entry.getValue();
            final double p999 = histogram.getValueAtPercentile(99.9) / 1e3;
            md.add(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f | %.0f | %s |", entry.getKey(),
                histogram.getTotalCount(), histogram.getValueAtPercentile(50) / 1e3,
                histogram.getValueAtPercentile(99) / 1e3, p999, histogram.getMaxValue() / 1e3,
                p999 <= PAUSE_BUDGET_MICROS ? "yes" : String.format(Locale.ROOT, "no, %.1f× the budget",
                    p999 / PAUSE_BUDGET_MICROS)));
            final List<double[]> points = new ArrayList<>();
            for (final HistogramIterationValue value : histogram.percentiles(5)) {
                final double percentile = value.getPercentileLevelIteratedTo();
                if (percentile < 100) {
                    points.add(new double[] {1 / (1 - percentile / 100), value.getValueIteratedTo() / 1e3});
                    widest = Math.max(widest, points.get(points.size() - 1)[0]);
                }
            }
            series.put(entry.getKey(), MoveCharts.points(points));
        }
        series.put("budget", new double[][] {{1, widest}, {PAUSE_BUDGET_MICROS, PAUSE_BUDGET_MICROS}});
        MoveCharts.save(directory.resolve("compaction-pauses.png"), "Compaction pause per slice by percentile",
            "1 / (1 - percentile): 2 = p50, 100 = p99, 1000 = p99.9", "µs", series, true);
        md.add("");
        md.add("![pauses by percentile](compaction-pauses.png)");
        md.add("");
    }

    private void smapsCost(final List<String> md) {
        final List<String> lines = new ArrayList<>();
        for (final BenchRow slices : of("CompactionBenchmark.slices")) {
            final double outside = slices.counter("callNanos") - slices.counter("pauseNanos");
            final BenchRow compact = find("CompactionBenchmark.compact", slices.param("method"),
                slices.param("arenaBytes"));
            final double perCall = outside / Math.max(1, slices.counter("slices"));
            String line = String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f | %.0f | %.2f |",
                slices.param("method"), MoveReport.bytes(Long.parseLong(slices.param("arenaBytes"))),
                slices.counter("callNanos") / 1e6, slices.counter("pauseNanos") / 1e6, outside / 1e6,
                slices.counter("slices"), perCall / 1e6);
            if (compact != null) {
                final double compactOutside = compact.medianMicros() * 1e3 - slices.counter("pauseNanos");
                line += String.format(Locale.ROOT, " %.2f | %.2f (%.0f%%) |", compact.medianMicros() / 1e3,
                    compactOutside / 1e6, 100 * compactOutside / (compact.medianMicros() * 1e3));
            } else {
                line += " n/a | n/a |";
            }
            lines.add(line);
        }
        if (lines.isEmpty()) {
            return;
        }
        md.add("## What reading the memory figures costs");
        md.add("");
        md.add("A result's before/after figures (VMAs by PROCMAP_QUERY, resident bytes by mincore, over the arena's "
            + "range) are read outside the pause but inside the call. `slices`: the calls' time against their "
            + "pauses (each call reads them twice); `compact()` "
            + "reads them twice in all: its time less the pauses of the same compaction run as slices.");
        md.add("");
        md.add("| method | arena | slice calls ms | pauses ms | outside pauses ms | calls | ms per call outside "
            + "| compact() ms | compact() outside pauses ms |");
        md.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        md.addAll(lines);
        md.add("");
    }

    private void evacuation(final List<String> md) {
        final List<BenchRow> evacuation = new ArrayList<>(of("EvacuationBenchmark.compact"));
        evacuation.addAll(of("EvacuationBenchmark.slices"));
        if (evacuation.isEmpty()) {
            return;
        }
        md.add("## A small-block cache churned to 10% live, evacuated (EvacuationBenchmark)");
        md.add("");
        md.add("Allowance: live bytes (asked for) plus a tenth, plus one 2 MiB segment per size class in use.");
        md.add("");
        md.add("| benchmark | cache | median ms | live MiB (held) | classes | RSS MiB before → after | allowance MiB "
            + "| within | copied MiB | given back MiB | ms per MiB given back | slices | longest pause µs |");
        md.add("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|");
        for (final BenchRow row : evacuation) {
            final double after = row.counter("residentBytesAfter");
            final double allowance = row.counter("allowanceBytes");
            md.add(String.format(Locale.ROOT, "| %s | %s | %.2f | %.1f (%.1f) | %.0f | %.1f → %.1f | %.1f | %s "
                + "| %.1f | %.1f | %.3f | %.0f | %.0f |", row.benchmark().substring(row.benchmark().indexOf('.') + 1),
                MoveReport.bytes(Long.parseLong(row.param("cacheBytes"))), row.medianMicros() / 1e3,
                row.counter("liveBytes") / MIB, row.counter("liveCapacityBytes") / MIB, row.counter("sizeClasses"),
                row.counter("residentBytesBefore") / MIB, after / MIB, allowance / MIB,
                after <= allowance ? String.format(Locale.ROOT, "yes, %.0f%% of it", 100 * after / allowance)
                    : String.format(Locale.ROOT, "no, %.1f MiB over", (after - allowance) / MIB),
                row.counter("copiedBytes") / MIB, row.counter("givenBackBytes") / MIB,
                row.counter("nanosPerMiBGivenBack") / 1e6, row.counter("slices"),
                row.counter("longestPauseNanos") / 1e3));
        }
        md.add("");
    }
}
