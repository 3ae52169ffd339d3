package io.vmarena.examples;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * cache-churn's table (stdout) and JSON summary. The JSON's keys are a contract (scripts read
 * them): {@code settings} (the load, with {@code warmupLiveBytes}, {@code baseline} (how it is read)
 * and {@code vmarenaSettings}), {@code contenders} (one object each: {@code id},
 * {@code label}, {@code baselineBytes}, {@code peakAboveBaselineBytes},
 * {@code afterAboveBaselineBytes}, {@code liveAfterBytes}, {@code afterToLive},
 * {@code afterCompactAboveBaselineBytes} (vmarena: after an explicit compact and trim; -1 for peers),
 * {@code getNanos} and {@code putNanos} with {@code p50}, {@code p99}, {@code p999}, {@code max}
 * and {@code count}, {@code verified}, {@code failures}), and {@code verdict} ({@code pass},
 * {@code miss} or {@code not judged}) with {@code verdictText}.
 */
final class ChurnReport {
    /** The claim: after the bursts, vmarena's RSS above baseline is within 10% of the live bytes. */
    static final double WITHIN = 1.10;
    private static final double MIB = 1 << 20;
    /** How every contender's baseline is read (the output and the JSON's {@code baseline} say so). */
    static String baseline(final boolean trimmed) {
        return "baseline: each JVM's RSS after a warm-up (the same operations at " + (ChurnLoad.WARMUP_LIVE_BYTES >> 20)
            + " MiB live, the cache closed again), so the JVM's own growth (JIT-compiled code, metaspace) is not "
            + "charged to the cache; " + NativeHeapTrim.describe(trimmed);
    }

    private ChurnReport() {
    }

    /** The verdict on vmarena's result: pass, miss, or not judged (no vmarena run, or the simulator's memory). */
    static String verdict(final ChurnRun.Result vmarena, final boolean simulated) {
        if (vmarena == null || simulated) {
            return "not judged";
        }
        return vmarena.afterToLive() <= WITHIN ? "pass" : "miss";
    }

    static String verdictText(final ChurnRun.Result vmarena, final boolean simulated) {
        if (vmarena == null) {
            return "verdict: not judged (vmarena was not run)";
        }
        if (simulated) {
            return "verdict: not judged (the simulator's memory is not the kernel's: its RSS says nothing of vmarena's)";
        }
        final String verdict = String.format(Locale.ROOT, "verdict: %s: after the bursts vmarena's RSS above baseline "
            + "is %.1f MiB for %.1f MiB live, %.3f times (the claim: at most %.2f)",
            verdict(vmarena, false).toUpperCase(Locale.ROOT), (vmarena.afterBytes() - vmarena.baselineBytes()) / MIB,
            vmarena.liveAfterBytes() / MIB, vmarena.afterToLive(), WITHIN);
        final String withOwn = vmarena.cacheResidentBytes() < 0 ? verdict : verdict + String.format(Locale.ROOT,
            "; the arena's own resident bytes (residency(), measured): %.1f MiB, %.3f times (the RSS also moves with "
            + "the JVM's "
            + "own memory, a few MiB either way)", vmarena.cacheResidentBytes() / MIB,
            (double)vmarena.cacheResidentBytes() / vmarena.liveAfterBytes());
        return vmarena.compactedBytes() == 0 ? withOwn : withOwn + String.format(Locale.ROOT, "; after an explicit "
            + "compact() and trim (not part of the verdict): %.1f MiB, %.3f times",
            (vmarena.compactedBytes() - vmarena.baselineBytes()) / MIB, vmarena.compactedToLive());
    }

    static void table(final PrintStream out, final List<ChurnRun.Result> results) {
        out.println("RSS in MiB above each JVM's baseline (after a warm-up, before the cache exists); latency in "
            + "microseconds");
        out.printf(Locale.ROOT, "%-48s %9s %9s %9s %9s %7s | %-31s | %-31s | %10s %8s%n", "contender", "baseline",
            "peak", "after", "live", "ratio", "get p50 / p99 / p99.9 / max", "put p50 / p99 / p99.9 / max",
            "verified", "failures");
        for (final ChurnRun.Result result : results) {
            out.printf(Locale.ROOT, "%-48s %9.1f %9.1f %9.1f %9.1f %7.3f | %-31s | %-31s | %10d %8d%n",
                result.contender().label(), result.baselineBytes() / MIB,
                (result.peakBytes() - result.baselineBytes()) / MIB,
                (result.afterBytes() - result.baselineBytes()) / MIB, result.liveAfterBytes() / MIB,
                result.afterToLive(), latencies(result.gets()), latencies(result.puts()), result.verified(),
                result.failures());
        }
    }

    private static String latencies(final Histogram histogram) {
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.0f", micros(histogram, 50), micros(histogram, 99),
            micros(histogram, 99.9), histogram.getMaxValue() / 1e3);
    }

    private static double micros(final Histogram histogram, final double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1e3;
    }

    static String json(final ChurnLoad.Settings settings, final String backend, final boolean trimmed,
        final List<ChurnRun.Result> results, final String verdict, final String verdictText) {
        final String contenders = results.stream().map(ChurnReport::json).collect(Collectors.joining(",\n    "));
        return String.format(Locale.ROOT, "{%n  \"settings\": {\"seed\": %d, \"peakLiveBytes\": %d, \"cycles\": %d, "
            + "\"evictShare\": %s, \"minValueBytes\": %d, \"maxValueBytes\": %d, \"settleRounds\": %d, "
            + "\"backend\": \"%s\", \"warmupLiveBytes\": %d, \"baseline\": \"%s\", \"vmarenaSettings\": \"%s\"},%n  "
            + "\"contenders\": [%n    %s%n  ],%n  \"verdict\": \"%s\",%n  "
            + "\"verdictText\": \"%s\"%n}%n", settings.seed(), settings.peakLiveBytes(), settings.cycles(),
            settings.evictShare(), settings.minValueBytes(), settings.maxValueBytes(), settings.settleRounds(),
            backend, settings.warmup().peakLiveBytes(), escape(baseline(trimmed)), escape(ArenaChurnCache.SETTINGS),
            contenders, verdict, escape(verdictText));
    }

    private static String json(final ChurnRun.Result result) {
        return String.format(Locale.ROOT, "{\"id\": \"%s\", \"label\": \"%s\", \"baselineBytes\": %d, "
            + "\"peakAboveBaselineBytes\": %d, \"afterAboveBaselineBytes\": %d, \"liveAfterBytes\": %d, "
            + "\"afterToLive\": %.4f, \"cacheResidentAfterBytes\": %d, \"afterCompactAboveBaselineBytes\": %d, "
            + "\"getNanos\": %s, \"putNanos\": %s, \"verified\": %d, \"failures\": %d}",
            result.contender().id(), escape(result.contender().label()), result.baselineBytes(),
            result.peakBytes() - result.baselineBytes(), result.afterBytes() - result.baselineBytes(),
            result.liveAfterBytes(), result.afterToLive(), result.cacheResidentBytes(),
            result.compactedBytes() == 0 ? -1 : result.compactedBytes() - result.baselineBytes(), json(result.gets()),
            json(result.puts()), result.verified(), result.failures());
    }

    private static String json(final Histogram histogram) {
        return String.format(Locale.ROOT, "{\"p50\": %d, \"p99\": %d, \"p999\": %d, \"max\": %d, \"count\": %d}",
            histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99),
            histogram.getValueAtPercentile(99.9), histogram.getMaxValue(), histogram.getTotalCount());
    }

    private static String escape(final String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
