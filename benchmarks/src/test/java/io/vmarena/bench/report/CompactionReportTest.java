package io.vmarena.bench.report;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compaction report reads JMH's JSON (medians) and the pause logs, checks the targets and draws the pauses. */
class CompactionReportTest {
    @TempDir
    Path directory;

    private static String counters(final String... nameValue) {
        final StringBuilder json = new StringBuilder();
        for (int i = 0; i < nameValue.length; i += 2) {
            json.append(i == 0 ? "" : ",").append('"').append(nameValue[i]).append("\":{\"score\":0,")
                .append("\"scorePercentiles\":{\"50.0\":").append(nameValue[i + 1]).append("},\"rawData\":[[0]]}");
        }
        return json.toString();
    }

    private static String result(final String benchmark, final String params, final double median,
        final String counters) {
        return "{\"benchmark\":\"io.vmarena.bench." + benchmark + "\",\"mode\":\"ss\",\"measurementIterations\":3,"
            + "\"jvmArgs\":[\"-Dvmarena.machine=arch=amd64,kernel=6.18\"],\"vmName\":\"OpenJDK 64-Bit Server VM\","
            + "\"jdkVersion\":\"17.0.15\",\"params\":{" + params + "},\"primaryMetric\":{\"score\":" + median * 1.1
            + ",\"scoreError\":2.0,\"scorePercentiles\":{\"50.0\":" + median + "},\"scoreUnit\":\"us/op\","
            + "\"rawData\":[[1,2,3]]},\"secondaryMetrics\":{" + counters + "}}";
    }

    private void pauseLog(final Path pauses, final String name, final long... nanos) throws IOException {
        final Histogram histogram = new Histogram(3);
        for (final long value : nanos) {
            histogram.recordValue(value);
        }
        Files.createDirectories(pauses);
        final HistogramLogWriter writer = new HistogramLogWriter(pauses.resolve(name + "-42.hlog").toFile());
        writer.outputIntervalHistogram(histogram);
        writer.close();
    }

    @Test
    void shouldTabulateRatiosPausesSmapsCostAndEvacuation() throws IOException {
        final String gib = "\"arenaBytes\":\"1073741824\",\"method\":";
        final Path json = directory.resolve("results.json");
        Files.writeString(json, "[" + String.join(",",
            result("CompactionBenchmark.compact", gib + "\"move\"", 2_000, counters("slices", "4", "vmasAfter", "120")),
            result("CompactionBenchmark.compact", gib + "\"copy\"", 150_000, counters("slices", "300")),
            result("CompactionBenchmark.slices", gib + "\"move\"", 30_000, counters("slices", "10",
                "callNanos", "30000000", "pauseNanos", "4000000")),
            result("EvacuationBenchmark.compact", "\"cacheBytes\":\"268435456\"", 200_000, counters(
                "residentBytesAfter", "52428800", "allowanceBytes", "104857600", "liveBytes", "26214400",
                "nanosPerMiBGivenBack", "900000"))) + "]");
        final Path pauses = directory.resolve("pauses");
        pauseLog(pauses, "CompactionBenchmark.slices-method=move-arenaBytes=1073741824", 400_000, 450_000, 2_000_000);

        final Path report = CompactionReport.write(List.of(json), pauses, directory.resolve("out"), "test");

        final String text = Files.readString(report);
        assertTrue(text.contains("Machine: arch=amd64, kernel=6.18; JVM: OpenJDK 64-Bit Server VM 17.0.15."), text);
        assertTrue(text.contains("| compact | move | 1 GiB | 2.00 | 2.20 ± 0.00 | 4 | NaN |"), text);
        assertTrue(text.contains("CompactionBenchmark.compact, 1 GiB: copy / move = 75.0× (medians 150.00 ms / "
            + "2.00 ms); target at least 50×: met."), text);
        assertTrue(text.contains("| CompactionBenchmark.slices-method=move-arenaBytes=1073741824 | 3 | 450 | 2001 | "
            + "2001 | 2001 | no, 4.0× the budget |"), text);
        assertTrue(text.contains("| move | 1 GiB | 30.00 | 4.00 | 26.00 | 10 | 2.60 | 2.00 | -2.00 (-100%) |"), text);
        assertTrue(text.contains("→ 50.0 | 100.0 | yes, 50% of it |"), text);
        assertTrue(text.contains("| 0.900 |"), text);
        assertTrue(Files.size(directory.resolve("out").resolve("compaction-pauses.png")) > 1000);
        assertEquals(4, BenchRow.read(List.of(json), "CompactionBenchmark.", "EvacuationBenchmark.").size());
    }
}
