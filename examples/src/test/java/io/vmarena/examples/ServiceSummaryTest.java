package io.vmarena.examples;

import io.vmarena.PinState;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ServiceSummaryTest {
    /** The four variants, in order, with the compactions given and the p50 (and every other percentile) given. */
    private static List<ServiceRun.Result> results(final long[] compactions, final long[] latencyNanos) {
        final List<ServiceRun.Result> results = new ArrayList<>();
        for (int i = 0; i < PinnedLowLatencyService.VARIANTS.size(); i++) {
            final Histogram histogram = new Histogram(3);
            histogram.recordValue(latencyNanos[i]);
            results.add(new ServiceRun.Result(PinnedLowLatencyService.VARIANTS.get(i), histogram, 1, 0, 0, null,
                compactions[i], 0, 0, PinState.UNPINNED, 0, 0, 0, ThreadCounters.UNKNOWN, 0, 0));
        }
        return results;
    }

    @Test
    void shouldPrintWhatCompactionCostsWhenTheCompactingVariantsCompacted() {
        final List<String> lines = ServiceSummary.comparisons(results(new long[] {5, 7, 0, 0},
            new long[] {2000, 3000, 1000, 1500}));

        assertEquals("  what compaction costs  pinned-compacting / pinned-no-compaction: p50 x2.00 p99 x2.00 "
            + "p99.9 x2.00 p99.99 x2.00 max x2.00", lines.get(3));
        assertEquals("                         unpinned-compacting / unpinned-no-compaction: p50 x2.00 p99 x2.00 "
            + "p99.9 x2.00 p99.99 x2.00 max x2.00", lines.get(4));
    }

    @Test
    void shouldPrintNoCostOfCompactionForAVariantThatDidNoCompactionAndSayWhy() {
        final List<String> lines = ServiceSummary.comparisons(results(new long[] {0, 7, 0, 0},
            new long[] {2000, 3000, 1000, 1500}));

        assertEquals("  what compaction costs  pinned-compacting / pinned-no-compaction: no ratio: pinned-compacting "
            + "did no compaction, so the two differ in nothing but their noise", lines.get(3));
        assertEquals("                         unpinned-compacting / unpinned-no-compaction: p50 x2.00 p99 x2.00 "
            + "p99.9 x2.00 p99.99 x2.00 max x2.00", lines.get(4));
        // What pinning buys compares two variants alike in compaction: its ratios stay.
        assertEquals("  what pinning buys      unpinned-compacting / pinned-compacting: p50 x1.50 p99 x1.50 p99.9 x1.50 "
            + "p99.99 x1.50 max x1.50", lines.get(1));
    }
}
