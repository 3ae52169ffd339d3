package io.vmarena.examples;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChurnReportTest {
    private static final long MIB = 1 << 20;

    private static ChurnRun.Result result(final ChurnContender contender, final long afterAboveBaseline,
        final long liveAfter) {
        final Histogram gets = new Histogram(3);
        final Histogram puts = new Histogram(3);
        for (long nanos = 1_000; nanos <= 100_000; nanos += 1_000) {
            gets.recordValue(nanos);
            puts.recordValue(2 * nanos);
        }
        final long baseline = 500 * MIB;
        return new ChurnRun.Result(contender, baseline, baseline + afterAboveBaseline, liveAfter, -1, 0,
            List.of(new ChurnRun.Sample(1, baseline), new ChurnRun.Sample(2, baseline + 1100 * MIB),
                new ChurnRun.Sample(3, baseline + afterAboveBaseline)),
            List.of(new ChurnRun.Progress(1, 0, 0), new ChurnRun.Progress(3, 1000, liveAfter)), gets, puts, 100, 0,
            List.of());
    }

    @Test
    void shouldPassWithinTenPercentAndMissAboveIt() {
        assertEquals("pass", ChurnReport.verdict(result(ChurnContender.VMARENA, 110 * MIB, 100 * MIB), false));
        assertEquals("miss", ChurnReport.verdict(result(ChurnContender.VMARENA, 110 * MIB + 1, 100 * MIB), false));
        assertEquals("verdict: MISS: after the bursts vmarena's RSS above baseline is 143.5 MiB for 102.4 MiB live, "
            + "1.401 times (the claim: at most 1.10)", ChurnReport.verdictText(
                result(ChurnContender.VMARENA, (long)(143.5 * MIB), (long)(102.4 * MIB)), false));
    }

    @Test
    void shouldAddTheArenasOwnResidentBytesWithoutJudgingThem() {
        final ChurnRun.Result base = result(ChurnContender.VMARENA, 100 * MIB, 100 * MIB);
        final ChurnRun.Result counted = new ChurnRun.Result(base.contender(), base.baselineBytes(), base.afterBytes(),
            base.liveAfterBytes(), 112 * MIB, 0, base.samples(), base.progress(), base.gets(), base.puts(),
            base.verified(), base.failures(), base.notes());

        assertEquals("pass", ChurnReport.verdict(counted, false), "the RSS is judged");
        assertEquals("verdict: PASS: after the bursts vmarena's RSS above baseline is 100.0 MiB for 100.0 MiB live, "
            + "1.000 times (the claim: at most 1.10); the arena's own resident bytes (residency(), measured): 112.0 MiB, "
            + "1.120 times "
            + "(the RSS also moves with the JVM's own memory, a few MiB either way)",
            ChurnReport.verdictText(counted, false));
        assertTrue(ChurnReport.json(new ChurnLoad.Settings(12, 1 << 30, 3, 0.9, 32, 8192, 30), "linux", true,
            List.of(counted), "pass", "").contains("\"cacheResidentAfterBytes\": " + 112 * MIB));
    }

    @Test
    void shouldAddWhatAnExplicitCompactionReachedWithoutJudgingIt() {
        final ChurnRun.Result base = result(ChurnContender.VMARENA, 150 * MIB, 100 * MIB);
        final ChurnRun.Result compacted = new ChurnRun.Result(base.contender(), base.baselineBytes(),
            base.afterBytes(), base.liveAfterBytes(), -1, base.baselineBytes() + 105 * MIB, base.samples(),
            base.progress(), base.gets(), base.puts(), base.verified(), base.failures(), base.notes());

        assertEquals("miss", ChurnReport.verdict(compacted, false));
        assertEquals("verdict: MISS: after the bursts vmarena's RSS above baseline is 150.0 MiB for 100.0 MiB live, "
            + "1.500 times (the claim: at most 1.10); after an explicit compact() and trim (not part of the verdict): "
            + "105.0 MiB, 1.050 times", ChurnReport.verdictText(compacted, false));
    }

    @Test
    void shouldNotJudgeTheSimulatorOrARunWithoutVmarena() {
        final ChurnRun.Result vmarena = result(ChurnContender.VMARENA, 10 * MIB, 100 * MIB);
        assertEquals("not judged", ChurnReport.verdict(vmarena, true));
        assertEquals("not judged", ChurnReport.verdict(null, false));
        assertTrue(ChurnReport.verdictText(vmarena, true).startsWith("verdict: not judged (the simulator's memory"));
        assertEquals("verdict: not judged (vmarena was not run)", ChurnReport.verdictText(null, false));
    }

    @Test
    void shouldPrintOneRowPerContenderWithTheFiguresAboveBaseline() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChurnReport.table(new PrintStream(bytes, true, StandardCharsets.UTF_8),
            List.of(result(ChurnContender.VMARENA, 105 * MIB, 100 * MIB), result(ChurnContender.OHC, 900 * MIB,
                100 * MIB)));
        final String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");

        assertEquals(4, lines.length);
        assertTrue(lines[1].startsWith("contender "), lines[1]);
        assertEquals("vmarena (arena + on-heap index)                      500.0    1100.0     105.0     100.0   1.050"
            + " | 50.02 / 99.01 / 100.03 / 100    | 100.03 / 198.02 / 200.06 / 200  |        100        0", lines[2]);
        assertTrue(lines[3].startsWith("OHC (ohc-core) "), lines[3]);
        assertTrue(lines[3].contains("   9.000 | "), lines[3]);
    }

    @Test
    void shouldWriteTheSummaryKeysScriptsRead() {
        final String json = ChurnReport.json(new ChurnLoad.Settings(12, 1 << 30, 3, 0.9, 32, 8192, 30), "linux",
            true, List.of(result(ChurnContender.VMARENA, 105 * MIB, 100 * MIB)), "pass", "verdict: \"quoted\"");

        for (final String key : new String[] {"\"settings\": {\"seed\": 12, \"peakLiveBytes\": 1073741824",
            "\"backend\": \"linux\", \"warmupLiveBytes\": 16777216, \"baseline\": \"baseline: each JVM's RSS after a warm-up",
            "\"vmarenaSettings\": \"vmarena: shared arena", "\"id\": \"vmarena\"", "\"baselineBytes\": 524288000",
            "\"peakAboveBaselineBytes\": 1153433600", "\"afterAboveBaselineBytes\": 110100480",
            "\"liveAfterBytes\": 104857600", "\"afterToLive\": 1.0500", "\"afterCompactAboveBaselineBytes\": -1",
            "\"getNanos\": {\"p50\": ", "\"p999\": ",
            "\"putNanos\": ", "\"verified\": 100", "\"failures\": 0", "\"verdict\": \"pass\"",
            "\"verdictText\": \"verdict: \\\"quoted\\\"\"", "each 1000 ms (-XX:TrimNativeHeapInterval)"}) {
            assertTrue(json.contains(key), key + " missing from " + json);
        }
    }
}
