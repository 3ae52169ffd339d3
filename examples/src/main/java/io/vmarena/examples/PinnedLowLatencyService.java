package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.vm.AddressSpace;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code vmarena pinned-service}: a request loop serving values from a shared arena while a
 * background thread allocates, frees and compacts in the same arena, run four ways one after
 * another with the same seed, request sequence and duration: pinned or not ({@link Arena#pin()},
 * MLOCK_ONFAULT), with background compaction or without. Requests come at a fixed rate and each
 * one's latency is taken from the time it was meant to start, so a stall counts against every
 * request it delayed (no coordinated omission). Latencies go into an HdrHistogram
 * {@link Recorder}, whose interval histograms (recycled) are printed each interval and written as
 * a histogram log; at the end a summary table and a latency-by-percentile chart (PNG).
 *
 * <p>Every read is checked against its value's checksum, and every value once more at the end of
 * each variant. Exit status 0 when all matched, 1 on a mismatch or a failed thread, 2 on bad input.
 *
 * <p>Output scripts may parse (names kept): interval lines
 * {@code [VARIANT] t=1.0s requests=N p50=Xus p99=Xus p99.9=Xus p99.99=Xus max=Xus compactions=N moved=X.XMiB
 * preempted=N waited=N minflt=N} (compactions and moved since the variant began; the rest in the interval; the
 * last three the request thread's involuntary and voluntary context switches and minor faults, {@code n/a} where
 * unknown),
 * the summary table under {@code summary}, and the last line {@code PASS: ...} or {@code FAIL: ...}.
 */
@Command(name = "pinned-service", sortOptions = false,
    description = "a request loop on a pinned arena beside a thread that allocates, frees and compacts: latency by "
        + "interval and percentile, pinned or not, compacting or not",
    exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:every value read matched its checksum",
        "1:a value did not match its checksum, or a thread failed", VmarenaCommand.EXIT_BAD_INPUT})
final class PinnedLowLatencyService implements Callable<Integer> {
    /** The seed of the values, the request sequence and the churn: the same run every time. */
    static final long SEED = 12;
    static final String CHART_FILE = "latency-by-percentile.png";
    static final String SUMMARY_FILE = "summary.txt";
    /** Of the requests, how many replace their value (allocate, write, free the old one); the rest read. */
    static final int WRITE_PERCENT = 5;
    private static final long WARM_UP_NANOS = 3_000_000_000L;

    /** The four runs, in the order they run. */
    static final List<Variant> VARIANTS = List.of(
        new Variant("pinned-compacting", true, true),
        new Variant("unpinned-compacting", false, true),
        new Variant("pinned-no-compaction", true, false),
        new Variant("unpinned-no-compaction", false, false));

    private final PrintStream out;
    private final PrintStream err;
    private final Supplier<AddressSpace> spaces;
    @Spec
    private CommandSpec spec;
    @Mixin
    private HelpOption help = new HelpOption();
    @Option(names = "--duration", paramLabel = "TIME", converter = Nanos.class, defaultValue = "20s",
        description = "how long each variant serves requests, e.g. 20s or 500ms (default ${DEFAULT-VALUE}); four "
            + "variants run, after a warm-up of up to 3s")
    private long durationNanos;
    @Option(names = "--interval", paramLabel = "TIME", converter = Nanos.class, defaultValue = "1s",
        description = "how often a line of percentiles is printed (default ${DEFAULT-VALUE})")
    private long intervalNanos;
    @Option(names = "--rate", paramLabel = "REQUESTS", defaultValue = "10000",
        description = "requests per second, at fixed times (default ${DEFAULT-VALUE}; at most 1000000)")
    private int rate;
    @Option(names = "--output", paramLabel = "DIR", defaultValue = "target/pinned-service",
        description = "where the chart, the summary and the histogram logs go (default ${DEFAULT-VALUE})")
    private Path outputDirectory;
    @Mixin
    private BackendOption backend = new BackendOption();

    /** On the address space {@code --backend} names, else the system's. */
    PinnedLowLatencyService(final PrintStream out, final PrintStream err) {
        this.out = out;
        this.err = err;
        this.spaces = () -> backend.open();
    }

    /** On the given address space: tests pass a simulator of their own. */
    PinnedLowLatencyService(final PrintStream out, final PrintStream err, final AddressSpace space) {
        this.out = out;
        this.err = err;
        this.spaces = () -> space;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        checkOptions();
        final AddressSpace space;
        try {
            space = spaces.get();
        } catch (final IllegalStateException | ExceptionInInitializerError e) {
            err.println("vmarena pinned-service: no address space works here: " + e.getMessage());
            return VmarenaCommand.PROBLEM;
        }
        final ServiceRun.Load load = ServiceRun.Load.of(space);
        printHeader(space, load);
        final long warmUpNanos = Math.min(durationNanos, WARM_UP_NANOS);
        final ServiceRun.Result warmUp = new ServiceRun(space, load, new Variant("warm-up", true, true), warmUpNanos,
            intervalNanos, rate).run(null, null);
        if (warmUp.problem() != null) { // its reads are checked too
            out.println("FAIL: in the warm-up: " + warmUp.problem());
            return VmarenaCommand.PROBLEM;
        }
        out.println("warm-up done (" + seconds(warmUpNanos) + " of pinned-compacting, not "
            + "recorded: the JIT has compiled the request path)");
        final List<ServiceRun.Result> results = new ArrayList<>();
        for (final Variant variant : VARIANTS) {
            out.println();
            out.println(variant.name() + ": " + variant.description());
            final HistogramLogWriter log = new HistogramLogWriter(outputDirectory.resolve(variant.name() + ".hlog")
                .toFile());
            try {
                log.outputLogFormatVersion();
                log.outputLegend();
                results.add(new ServiceRun(space, load, variant, durationNanos, intervalNanos, rate).run(out, log));
            } finally {
                log.close();
            }
        }
        return report(space, results);
    }

    private void checkOptions() {
        if (rate < 1 || rate > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--rate must be 1 to 1000000 requests per second, got "
                + rate);
        }
        if (intervalNanos > durationNanos) {
            throw new ParameterException(spec.commandLine(), "--interval " + seconds(intervalNanos) + " is longer "
                + "than --duration " + seconds(durationNanos) + ": give an interval of at most the duration");
        }
        if (durationNanos / (1_000_000_000L / rate) < 1) {
            throw new ParameterException(spec.commandLine(), "--duration " + seconds(durationNanos) + " at --rate "
                + rate + " makes no request: give a longer duration or a higher rate");
        }
        try {
            Files.createDirectories(outputDirectory); // last, and before anything runs, so a bad --output costs no run
        } catch (final IOException | UnsupportedOperationException e) {
            throw new ParameterException(spec.commandLine(), "--output " + outputDirectory + " cannot be made a "
                + "directory (" + e + "): give a directory to write the chart, summary and logs into");
        }
    }

    private void printHeader(final AddressSpace space, final ServiceRun.Load load) {
        final boolean simulated = DemoScale.isSimulated(space);
        out.println("vmarena pinned-service: " + load.keyCount() + " values of 64 B to 4 KiB in a shared arena"
            + (simulated ? " on the simulator (in this process's memory: no kernel locks or faults it)" : ""));
        out.println("requests: " + rate + "/s for " + seconds(durationNanos) + " per variant, " + (100 - WRITE_PERCENT)
            + "% reads checked against a checksum, " + WRITE_PERCENT + "% replacements; latency is taken from each "
            + "request's intended start (fixed rate, no coordinated omission), in microseconds");
        out.println("background thread: allocates and frees in bursts up to " + Bytes.format(load.churnBytes())
            + " (16 B to 8 KiB, one in fifty a quarter to one segment of " + Bytes.format(load.segmentBytes())
            + "), and where compacting runs compactSlice() every " + BackgroundChurn.COMPACT_EVERY_TICKS + " ms");
        out.println("seed " + SEED + "; variants one after another: " + String.join(", ",
            VARIANTS.stream().map(Variant::name).toList()));
    }

    private int report(final AddressSpace space, final List<ServiceRun.Result> results) throws IOException {
        final List<String> summary = ServiceSummary.table(results);
        out.println();
        summary.forEach(out::println);
        final Map<String, Histogram> histograms = new LinkedHashMap<>();
        results.forEach(result -> histograms.put(result.variant().name(), result.histogram()));
        final Path chart = outputDirectory.resolve(CHART_FILE);
        LatencyChart.save(chart, "vmarena pinned-service: latency by percentile, " + rate + " requests/s from "
            + "intended start" + (DemoScale.isSimulated(space) ? " (simulator)" : ""), histograms);
        final List<String> notes = ServiceSummary.comparisons(results);
        notes.addAll(ServiceSummary.residencyNotes(space));
        out.println();
        notes.forEach(out::println);
        final List<String> file = new ArrayList<>(summary);
        file.add("");
        file.addAll(notes);
        Files.write(outputDirectory.resolve(SUMMARY_FILE), file);
        out.println();
        out.println("chart: " + chart + "; summary: " + outputDirectory.resolve(SUMMARY_FILE) + "; histogram logs: "
            + outputDirectory.resolve("VARIANT.hlog"));
        return verdict(results);
    }

    private int verdict(final List<ServiceRun.Result> results) {
        long reads = 0;
        long writes = 0;
        long mismatches = 0;
        final List<String> problems = new ArrayList<>();
        for (final ServiceRun.Result result : results) {
            reads += result.reads();
            writes += result.writes();
            mismatches += result.mismatches();
            if (result.problem() != null) {
                problems.add(result.variant().name() + ": " + result.problem());
            }
        }
        if (problems.isEmpty()) {
            out.println("PASS: every value verified: " + reads + " reads matched their checksums (" + writes
                + " values replaced), 0 mismatches");
            return VmarenaCommand.OK;
        }
        out.println("FAIL: " + mismatches + " of " + reads + " reads did not match their checksums; "
            + String.join("; ", problems));
        return VmarenaCommand.PROBLEM;
    }

    static String seconds(final long nanos) {
        return nanos % 1_000_000_000L == 0 ? nanos / 1_000_000_000L + "s" : nanos / 1_000_000 + "ms";
    }

    /** Microseconds with one decimal, whatever the locale. */
    static String micros(final long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
    }

    /** One way of running the service: whether the arena is pinned, whether the background thread compacts. */
    record Variant(String name, boolean pinned, boolean compacting) {
        String description() {
            return (pinned ? "pinned arena (pin(): mlock2 MLOCK_ONFAULT)" : "unpinned arena") + ", background "
                + "churn " + (compacting ? "and compaction (compactSlice(), 500 us budget)" : "without compaction");
        }
    }

    /**
     * A duration as people write one: digits and {@code ms} or {@code s} ({@code 500ms},
     * {@code 20s}), in nanoseconds; zero and other forms refused with the form it takes.
     */
    static final class Nanos implements ITypeConverter<Long> {
        @Override
        public Long convert(final String value) {
            final String text = value.trim().toLowerCase(Locale.ROOT);
            final boolean millis = text.endsWith("ms");
            final String digits = text.substring(0, Math.max(0, text.length() - (millis ? 2 : 1)));
            if (!text.endsWith("s") || digits.isEmpty() || digits.length() > 9
                || !digits.chars().allMatch(Character::isDigit) || Long.parseLong(digits) == 0) {
                throw new TypeConversionException("'" + value + "' is not a time: give a positive whole number of "
                    + "seconds or milliseconds, for example 20s or 500ms");
            }
            return Long.parseLong(digits) * (millis ? 1_000_000L : 1_000_000_000L);
        }
    }
}
