package io.vmarena.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Turns PinBenchmark's JMH JSON into {@code pin-report.md}, with the targets checked:
 * pinning 16 GiB with MLOCK_ONFAULT in at most 1 ms, and a first touch under MLOCK_ONFAULT
 * within 10% of an unpinned one.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar pin-report [--out DIR] RESULTS.json...
 * </pre>
 */
public final class PinReport {
    static final double ON_FAULT_TARGET_MICROS = 1_000;
    static final long TARGET_REGION_BYTES = 16L << 30;
    static final double FIRST_TOUCH_TOLERANCE = 0.10;
    private static final String[] MODES = {"onfault", "mlock", "none"};

    private final List<BenchRow> rows;
    private final String machine;
    private final String command;

    PinReport(final List<BenchRow> rows, final String machine, final String command) {
        this.rows = rows;
        this.machine = machine;
        this.command = command;
    }

    public static void main(final String[] args) throws IOException {
        final ReportArguments arguments = ReportArguments.parse(args, Map.of("--out", "reports/pin"),
            "pin-report [--out DIR] RESULTS.json...");
        final Path report = write(arguments.files(), arguments.directory("--out"),
            "java -jar benchmarks/target/benchmarks.jar pin-report " + String.join(" ", args));
        System.out.println("wrote " + report);
    }

    /** Writes {@code pin-report.md} into {@code directory}; returns its path. */
    public static Path write(final List<Path> files, final Path directory, final String command) throws IOException {
        Files.createDirectories(directory);
        final Path report = directory.resolve("pin-report.md");
        Files.write(report, new PinReport(BenchRow.read(files, "PinBenchmark."), BenchRow.machine(files), command)
            .lines(), StandardCharsets.UTF_8);
        return report;
    }

    List<String> lines() {
        final List<String> md = new ArrayList<>();
        md.add("# Pinning benchmarks");
        md.add("");
        md.add("Machine: " + (machine.isEmpty() ? "not recorded" : machine) + ".");
        md.add("Produced by `" + command + "`. Each pin is one `Arena.pin()` of a fresh arena whose memory is "
            + "committed and untouched (a single shot); each first touch is a shot of fresh pages, per page. Times "
            + "are the median of the measured iterations, then JMH's mean ± 99.9% error.");
        md.add("");
        pins(md);
        firstTouch(md);
        return md;
    }

    private void pins(final List<String> md) {
        md.add("## pin(): MLOCK_ONFAULT against plain mlock (which populates) and none");
        md.add("");
        md.add("| region | mode | median µs | mean ± error µs | iterations |");
        md.add("|---|---|---|---|---|");
        final List<String> regions = new ArrayList<>();
        for (final BenchRow row : rows) {
            if (row.benchmark().equals("PinBenchmark.pin") && !regions.contains(row.param("regionBytes"))) {
                regions.add(row.param("regionBytes"));
            }
        }
        regions.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        for (final String region : regions) {
            for (final String mode : MODES) {
                final BenchRow row = find("PinBenchmark.pin", mode, region);
                if (row != null) {
                    md.add(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f ± %.1f | %d |",
                        MoveReport.bytes(Long.parseLong(region)), mode, row.medianMicros(), row.meanMicros(),
                        row.errorMicros(), row.iterations()));
                }
            }
        }
        md.add("");
        for (final String region : regions) {
            final BenchRow onFault = find("PinBenchmark.pin", "onfault", region);
            final BenchRow mlock = find("PinBenchmark.pin", "mlock", region);
            if (onFault != null && mlock != null) {
                md.add(String.format(Locale.ROOT, "- %s: plain mlock / MLOCK_ONFAULT = %,.0f× (medians %.1f ms / "
                    + "%.1f µs).", MoveReport.bytes(Long.parseLong(region)), mlock.medianMicros()
                    / onFault.medianMicros(), mlock.medianMicros() / 1e3, onFault.medianMicros()));
            }
        }
        final BenchRow target = find("PinBenchmark.pin", "onfault", Long.toString(TARGET_REGION_BYTES));
        md.add(target == null ? "- Target (16 GiB with MLOCK_ONFAULT in at most 1 ms): not measured."
            : String.format(Locale.ROOT, "- Target (16 GiB with MLOCK_ONFAULT in at most 1 ms): %s (median %.1f µs).",
                target.medianMicros() <= ON_FAULT_TARGET_MICROS ? "met" : String.format(Locale.ROOT,
                    "missed by %.0f%%", 100 * (target.medianMicros() / ON_FAULT_TARGET_MICROS - 1)),
                target.medianMicros()));
        md.add("");
    }

    private void firstTouch(final List<String> md) {
        md.add("## First touch of a page: pinned with MLOCK_ONFAULT, unpinned, populated by plain mlock");
        md.add("");
        md.add("| mode | median ns per page | mean ± error ns per page | iterations |");
        md.add("|---|---|---|---|");
        for (final String mode : MODES) {
            final BenchRow row = find("PinBenchmark.firstTouch", mode, null);
            if (row != null) {
                md.add(String.format(Locale.ROOT, "| %s | %.0f | %.0f ± %.0f | %d |", mode, row.medianMicros() * 1e3,
                    row.meanMicros() * 1e3, row.errorMicros() * 1e3, row.iterations()));
            }
        }
        md.add("");
        final BenchRow onFault = find("PinBenchmark.firstTouch", "onfault", null);
        final BenchRow none = find("PinBenchmark.firstTouch", "none", null);
        if (onFault == null || none == null) {
            md.add("- Target (first touch under MLOCK_ONFAULT within 10% of unpinned): not measured.");
            return;
        }
        final double ratio = onFault.medianMicros() / none.medianMicros();
        md.add(String.format(Locale.ROOT, "- Target (first touch under MLOCK_ONFAULT within 10%% of unpinned): %s "
            + "(onfault / none = %.2f×, %+.0f%%).", ratio <= 1 + FIRST_TOUCH_TOLERANCE ? "met" : "missed", ratio,
            100 * (ratio - 1)));
    }

    /** The row of {@code benchmark} with {@code mode} (and {@code regionBytes}, unless null), or null. */
    private BenchRow find(final String benchmark, final String mode, final String regionBytes) {
        for (final BenchRow row : rows) {
            if (row.benchmark().equals(benchmark) && row.param("mode").equals(mode)
                && (regionBytes == null || row.param("regionBytes").equals(regionBytes))) {
                return row;
            }
        }
        return null;
    }
}
