package io.vmarena.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pin report reads JMH's JSON (medians), tabulates every mode and checks the two targets. */
class PinReportTest {
    private static final String GIB = "\"regionBytes\":\"1073741824\",\"mode\":";
    private static final String SIXTEEN_GIB = "\"regionBytes\":\"17179869184\",\"mode\":";

    @TempDir
    Path directory;

    private static String result(final String benchmark, final String params, final double median) {
        return "{\"benchmark\":\"io.vmarena.bench." + benchmark + "\",\"mode\":\"ss\",\"measurementIterations\":3,"
            + "\"jvmArgs\":[\"-Dvmarena.machine=arch=amd64,kernel=6.18\"],\"vmName\":\"OpenJDK 64-Bit Server VM\","
            + "\"jdkVersion\":\"17.0.15\",\"params\":{" + params + "},\"primaryMetric\":{\"score\":" + median * 1.1
            + ",\"scoreError\":2.0,\"scorePercentiles\":{\"50.0\":" + median + "},\"scoreUnit\":\"us/op\","
            + "\"rawData\":[[1,2,3]]}}";
    }

    private String report(final String... results) throws IOException {
        final Path json = directory.resolve("results.json");
        Files.writeString(json, "[" + String.join(",", results) + "]");
        return Files.readString(PinReport.write(List.of(json), directory.resolve("out"), "test"));
    }

    @Test
    void shouldTabulateEveryModeAndCheckBothTargets() throws IOException {
        final String text = report(
            result("PinBenchmark.pin", SIXTEEN_GIB + "\"onfault\"", 800),
            result("PinBenchmark.pin", GIB + "\"onfault\"", 50),
            result("PinBenchmark.pin", GIB + "\"mlock\"", 400_000),
            result("PinBenchmark.pin", GIB + "\"none\"", 5),
            result("PinBenchmark.firstTouch", "\"mode\":\"onfault\"", 0.52),
            result("PinBenchmark.firstTouch", "\"mode\":\"none\"", 0.50),
            result("PinBenchmark.firstTouch", "\"mode\":\"mlock\"", 0.01));

        assertTrue(text.contains("Machine: arch=amd64, kernel=6.18; JVM: OpenJDK 64-Bit Server VM 17.0.15."), text);
        assertTrue(text.indexOf("| 1 GiB | onfault | 50.0 | 55.0 ± 2.0 | 3 |") < text.indexOf("| 1 GiB | mlock | "
            + "400000.0 | 440000.0 ± 2.0 | 3 |"), text);
        assertTrue(text.indexOf("| 1 GiB | none |") < text.indexOf("| 16 GiB | onfault | 800.0 |"), text);
        assertTrue(text.contains("- 1 GiB: plain mlock / MLOCK_ONFAULT = 8,000× (medians 400.0 ms / 50.0 µs)."),
            text);
        assertTrue(text.contains("- Target (16 GiB with MLOCK_ONFAULT in at most 1 ms): met (median 800.0 µs)."),
            text);
        assertTrue(text.contains("| onfault | 520 | 572 ± 2000 | 3 |"), text);
        assertTrue(text.contains("- Target (first touch under MLOCK_ONFAULT within 10% of unpinned): met "
            + "(onfault / none = 1.04×, +4%)."), text);
    }

    @Test
    void shouldSayByHowMuchATargetWasMissedAndWhatWasNotMeasured() throws IOException {
        final String text = report(
            result("PinBenchmark.pin", SIXTEEN_GIB + "\"onfault\"", 1_250),
            result("PinBenchmark.firstTouch", "\"mode\":\"onfault\"", 0.75),
            result("PinBenchmark.firstTouch", "\"mode\":\"none\"", 0.50));

        assertTrue(text.contains("- Target (16 GiB with MLOCK_ONFAULT in at most 1 ms): missed by 25% (median "
            + "1250.0 µs)."), text);
        assertTrue(text.contains("- Target (first touch under MLOCK_ONFAULT within 10% of unpinned): missed "
            + "(onfault / none = 1.50×, +50%)."), text);
        final String none = report(result("PinBenchmark.pin", GIB + "\"none\"", 5));
        assertTrue(none.contains("- Target (16 GiB with MLOCK_ONFAULT in at most 1 ms): not measured."), none);
        assertTrue(none.contains("- Target (first touch under MLOCK_ONFAULT within 10% of unpinned): not measured."),
            none);
    }
}
