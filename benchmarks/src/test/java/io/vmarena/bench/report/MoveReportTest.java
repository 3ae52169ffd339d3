package io.vmarena.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report reads JMH's JSON (counters summed over iterations) and writes its tables and charts. */
class MoveReportTest {
    @TempDir
    Path directory;

    private static String result(final String strategy, final int vmas, final long bytes, final String alignment,
        final boolean populated, final double score, final double calls) {
        return "{\"benchmark\":\"io.vmarena.bench.MoveBenchmark.move\",\"mode\":\"avgt\",\"measurementIterations\":5,"
            + "\"jvmArgs\":[\"-Dvmarena.machine=arch=amd64,kernel=6.18\"],\"vmName\":\"OpenJDK 64-Bit Server VM\","
            + "\"jdkVersion\":\"17.0.15\",\"params\":{\"strategy\":\"" + strategy + "\",\"vmaCount\":\"" + vmas
            + "\",\"regionBytes\":\"" + bytes + "\",\"alignment\":\"" + alignment + "\",\"populated\":\"" + populated
            + "\",\"layout\":\"prot\"},\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":1.5,"
            + "\"scoreUnit\":\"us/op\"},\"secondaryMetrics\":{\"systemCalls\":{\"score\":" + calls * 5 + "},"
            + "\"vmasMoved\":{\"score\":" + vmas * 5 + "}}}";
    }

    @Test
    void shouldTabulateTheSweepsRatiosAndChartThem() throws IOException {
        final Path json = directory.resolve("results.json");
        Files.writeString(json, "[" + String.join(",",
            result("MULTI_VMA", 16, 64L << 20, "PMD", false, 100, 1),
            result("PER_VMA_KNOWN", 16, 64L << 20, "PMD", false, 150, 16),
            result("MULTI_VMA", 1, 1L << 30, "PUD", true, 5, 1),
            result("COPY", 1, 1L << 30, "PMD", true, 120_000, 5)) + "]");

        final Path report = MoveReport.write(MoveResults.read(List.of(json)), directory.resolve("out"), "test");

        final String text = Files.readString(report);
        assertTrue(text.contains("Machine: arch=amd64, kernel=6.18; JVM: OpenJDK 64-Bit Server VM 17.0.15."), text);
        assertTrue(text.contains("| 16 | 100.0 ± 1.5 | 150.0 ± 1.5 | n/a | n/a | n/a |"), text);
        assertTrue(text.contains("| 16 | 1.50× | n/a | n/a | n/a |"), text);
        assertTrue(text.contains("| 1 GiB | 5.0 (200000.0) | n/a | n/a | 120000.0 (8.3) | 24000× |"), text);
        assertTrue(text.contains("| PER_VMA_KNOWN | 16 | 64 MiB | PMD | false | prot | 150.0 | 1.5 | 16 | 16 |"), text);
        for (final String chart : new String[] {"move-time-vs-vmas.png", "move-ratio-per-vma-vs-multi.png",
            "move-throughput-vs-size.png"}) {
            assertTrue(Files.size(directory.resolve("out").resolve(chart)) > 1000, chart);
        }
        assertEquals(4, MoveResults.read(List.of(json)).rows().size());
    }
}
