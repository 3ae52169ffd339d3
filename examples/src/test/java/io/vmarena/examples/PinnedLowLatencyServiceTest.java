package io.vmarena.examples;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vmarena pinned-service}, briefly, on the simulator: the verdict, the lines scripts read, the files. */
class PinnedLowLatencyServiceTest {
    private static final int RATE = 2000;
    /** Of the simulator's load ({@link ServiceRun.Load}): every value is read once more after each variant. */
    private static final int SIM_KEYS = 16_384 / 8;
    private static final Pattern INTERVAL = Pattern.compile("  \\[([a-z-]+)\\] t=(\\d+\\.\\d)s requests=(\\d+) "
        + "p50=(\\d+\\.\\d)us p99=(\\d+\\.\\d)us p99\\.9=(\\d+\\.\\d)us p99\\.99=(\\d+\\.\\d)us max=(\\d+\\.\\d)us "
        + "compactions=(\\d+) moved=(\\d+\\.\\d)MiB preempted=(\\d+) waited=(\\d+) minflt=(\\d+)");
    private static final Pattern PASS = Pattern.compile("\nPASS: every value verified: (\\d+) reads matched their "
        + "checksums \\((\\d+) values replaced\\), 0 mismatches\n$");

    @TempDir
    Path output;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int service(final AddressSpace space, final String... args) {
        final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        return new CommandLine(new PinnedLowLatencyService(new PrintStream(out, true, StandardCharsets.UTF_8),
            errStream, space)).setErr(new PrintWriter(errStream, true)).execute(args);
    }

    private String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldServeEveryVariantVerifyEveryValueAndDrawTheChartOnTheSimulator() throws IOException {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, service(space, "--duration", "1s", "--interval", "500ms", "--rate", String.valueOf(RATE),
                "--output", output.toString()), err.toString(StandardCharsets.UTF_8) + printed());
        }

        final String text = printed();
        // Two interval lines per variant, in order, whose requests add up to the rate times the duration.
        final Matcher line = INTERVAL.matcher(text);
        for (final PinnedLowLatencyService.Variant variant : PinnedLowLatencyService.VARIANTS) {
            long requests = 0;
            for (final String elapsed : new String[] {"0.5", "1.0"}) {
                assertTrue(line.find(), variant + " " + elapsed + " in:\n" + text);
                assertEquals(variant.name(), line.group(1));
                assertEquals(elapsed, line.group(2));
                requests += Long.parseLong(line.group(3));
                assertTrue(Double.parseDouble(line.group(4)) <= Double.parseDouble(line.group(8)), line.group());
                final long compactions = Long.parseLong(line.group(9));
                assertTrue(variant.compacting() ? compactions > 0 || elapsed.equals("0.5") : compactions == 0,
                    line.group());
            }
            assertEquals(RATE, requests, variant.name());
            assertTrue(text.contains("\n" + String.format("%-24s %10d", variant.name(), RATE)), text);
        }
        assertFalse(line.find(), "no interval line beyond the four variants' " + text);
        // Every request was a checked read or a replacement, and every value was read once more after each variant.
        final Matcher pass = PASS.matcher(text);
        assertTrue(pass.find(), text);
        assertEquals(4L * RATE + 4L * SIM_KEYS, Long.parseLong(pass.group(1)) + Long.parseLong(pass.group(2)));
        for (final String expected : new String[] {"on the simulator (in this process's memory",
            "latency is taken from each request's intended start", "warm-up done (1s of pinned-compacting",
            ServiceSummary.LATENCY_HEADING, ServiceSummary.MEMORY_HEADING, "what pinning buys",
            "what compaction costs", "on the simulator nothing is locked"}) {
            assertTrue(text.contains(expected), expected + " missing from:\n" + text);
        }

        final BufferedImage chart = ImageIO.read(output.resolve(PinnedLowLatencyService.CHART_FILE).toFile());
        assertNotNull(chart, "the chart decodes as an image");
        assertEquals(1000, chart.getWidth());
        assertEquals(600, chart.getHeight());
        assertTrue(Files.readString(output.resolve(PinnedLowLatencyService.SUMMARY_FILE))
            .startsWith(ServiceSummary.LATENCY_HEADING + "\n"));
        for (final PinnedLowLatencyService.Variant variant : PinnedLowLatencyService.VARIANTS) {
            assertEquals(RATE, loggedRequests(output.resolve(variant.name() + ".hlog")), variant.name());
        }
    }

    @Test
    void shouldServeOnWithPartOfTheArenaPinnedWhenTheMemlockLimitIsReachedOn64KiBPages() {
        final KernelProfile profile = KernelProfile.LINUX_6_17.withPageSize(64 << 10).withMemlock(4 << 20)
            .withIpcLock(false);
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(profile)) {
            assertEquals(0, service(space, "--duration", "500ms", "--interval", "500ms", "--rate", "1000", "--output",
                output.toString()), err.toString(StandardCharsets.UTF_8) + printed());
        }

        final String text = printed();
        assertTrue(text.contains("  not wholly pinned at the end (PARTLY_PINNED), and the arena worked on: "), text);
        assertTrue(Pattern.compile("\\npinned-compacting +\\d+ +[0-9.]+MiB +[0-9.]+us +PARTLY_PINNED +4\\.0MiB ")
            .matcher(text).find(), text);
        assertTrue(Pattern.compile("\\nunpinned-compacting +\\d+ +[0-9.]+MiB +[0-9.]+us +UNPINNED +0\\.0MiB ")
            .matcher(text).find(), text);
        assertTrue(PASS.matcher(text).find(), text);
    }

    /** The requests an HdrHistogram log holds, interval by interval. */
    private static long loggedRequests(final Path log) throws IOException {
        long requests = 0;
        try (HistogramLogReader reader = new HistogramLogReader(log.toFile())) {
            for (EncodableHistogram interval = reader.nextIntervalHistogram(); interval != null;
                interval = reader.nextIntervalHistogram()) {
                requests += ((org.HdrHistogram.Histogram)interval).getTotalCount();
            }
        }
        return requests;
    }

    @Test
    void shouldRefuseOptionsThatMakeNoRunWithTheFixAndExitTwo() throws IOException {
        final Path file = Files.writeString(output.resolve("a-file"), "");
        final String[][] cases = {
            {"--output", file.toString()}, {"--output " + file + " cannot be made a directory ("},
            {"--rate", "0"}, {"--rate must be 1 to 1000000 requests per second, got 0"},
            {"--duration", "1s", "--interval", "2s"}, {"--interval 2s is longer than --duration 1s"},
            {"--duration", "1ms", "--interval", "1ms", "--rate", "10"}, {"--duration 1ms at --rate 10 makes no request"},
            {"--duration", "20"}, {"'20' is not a time: give a positive whole number of seconds or milliseconds"},
            {"--interval", "0s"}, {"'0s' is not a time"},
            {"--backend", "windows"}, {"--backend takes linux or sim, got 'windows'"},
        };
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            for (int i = 0; i < cases.length; i += 2) {
                err.reset();
                assertEquals(2, service(space, cases[i]), String.join(" ", cases[i]));
                final String message = err.toString(StandardCharsets.UTF_8);
                assertTrue(message.contains(cases[i + 1][0]), message);
                assertTrue(message.contains("Usage: pinned-service"), message);
            }
        }
        assertEquals("", printed(), "nothing ran");
    }

    @Test
    void shouldBeASubCommandWithHelp() {
        final ByteArrayOutputStream help = new ByteArrayOutputStream();
        assertEquals(0, VmarenaCommand.run(new String[] {"pinned-service", "--help"},
            new PrintStream(help, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));

        final String usage = help.toString(StandardCharsets.UTF_8);
        assertTrue(usage.startsWith("Usage: vmarena pinned-service [-h] [--backend=linux|sim] [--duration=TIME]\n"),
            usage);
        for (final String option : new String[] {"[--interval=TIME]", "[--output=DIR]", "[--rate=REQUESTS]"}) {
            assertTrue(usage.contains(option), option + " in " + usage);
        }
        assertTrue(usage.contains("default 20s"), usage);
        assertTrue(usage.contains("  1   a value did not match its checksum, or a thread failed"), usage);
    }

    @Test
    void shouldLabelThePercentileAxisAsHdrHistogramPlotsDo() {
        assertEquals(List.of("0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "68%"), List.of(0.0, 1.0, 2.0, 3.0, 4.0,
            5.0, 0.5).stream().map(LatencyChart::percentileLabel).toList());
    }

    @Test
    void shouldReadFaultsAfterACommandNameWithSpacesAndParentheses(@TempDir final Path directory) throws IOException {
        final Path stat = directory.resolve("stat");
        Files.writeString(stat, "4242 (a (b) c) R 1 4242 4242 0 -1 4194560 123 0 7 0 5 6 0 0 20 0 3 0\n");

        assertEquals(List.of(123L, 7L), List.of(ThreadCounters.faults(stat)[0], ThreadCounters.faults(stat)[1]));
        assertEquals(-1, ThreadCounters.faults(directory.resolve("missing"))[0]);
        Files.writeString(directory.resolve("status"), "Name:\tjava\nvoluntary_ctxt_switches:\t5\n"
            + "nonvoluntary_ctxt_switches:\t9\n");
        assertEquals(new ThreadCounters(123, 9, 5), ThreadCounters.of(directory));
        assertEquals(new ThreadCounters(23, -1, 2),
            new ThreadCounters(123, 9, 5).since(new ThreadCounters(100, -1, 3)));
        assertEquals(ThreadCounters.UNKNOWN, ThreadCounters.of(null));
    }
}
