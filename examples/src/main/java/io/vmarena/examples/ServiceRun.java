package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;
import io.vmarena.PinState;
import io.vmarena.PinStatus;
import io.vmarena.Threading;
import io.vmarena.vm.AddressSpace;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One variant of {@link PinnedLowLatencyService}: a fresh shared arena (pinned or not), the
 * values written, then three threads: the request thread serving at a fixed rate and recording
 * each latency into a {@link Recorder}, the {@link BackgroundChurn} thread, and the calling
 * thread, which takes an interval histogram (recycled) every interval, prints its percentiles and
 * writes it to the histogram log. Afterwards every value is checked once more, the arena's pinned
 * and resident bytes and the process's VmLck are read, and the arena is closed.
 */
final class ServiceRun {
    /** Time for both threads to start, so the first requests are not late for that. */
    private static final long START_DELAY_NANOS = 50_000_000;
    private static final int SIGNIFICANT_DIGITS = 3;
    /**
     * The longest latency the histograms tell apart; a longer one is recorded as this. Fixed, so
     * that the request thread never resizes a histogram (an allocation, and a copy, on a new
     * maximum); a minute is far beyond any request a run that lasts seconds can be late by.
     */
    static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final AddressSpace space;
    private final Load load;
    private final PinnedLowLatencyService.Variant variant;
    private final long durationNanos;
    private final long intervalNanos;
    private final int rate;

    ServiceRun(final AddressSpace space, final Load load, final PinnedLowLatencyService.Variant variant,
        final long durationNanos, final long intervalNanos, final int rate) {
        this.space = space;
        this.load = load;
        this.variant = variant;
        this.durationNanos = durationNanos;
        this.intervalNanos = intervalNanos;
        this.rate = rate;
    }

    /**
     * Runs the variant.
     *
     * @param out where the interval lines go, or null for none (the warm-up)
     * @param log where the interval histograms go, or null
     */
    Result run(final PrintStream out, final HistogramLogWriter log) throws InterruptedException {
        try (Arena arena = Arena.builder().name("pinned-service-" + variant.name()).addressSpace(space)
            .threading(Threading.SHARED).segmentBytes(load.segmentBytes()).build()) {
            final PinStatus pin = variant.pinned() ? arena.pin() : null;
            if (out != null && pin != null && pin.state() != PinState.PINNED) {
                out.println("  not wholly pinned (" + pin.state() + "), and the arena works on: " + pin.reason());
            }
            final ServiceValues values = new ServiceValues(arena, load.keyCount(), PinnedLowLatencyService.WRITE_PERCENT);
            values.fill(new SplittableRandom(PinnedLowLatencyService.SEED), 64, 4096);
            final BackgroundChurn churn = new BackgroundChurn(arena, variant.compacting(), load.churnBytes(),
                load.segmentBytes(), PinnedLowLatencyService.SEED + 1);
            final Recorder recorder = newRecorder();
            // Taken before the request thread starts: a first swap after it would throw its first values away.
            final Histogram recycled = recorder.getIntervalHistogram();
            final long periodNanos = 1_000_000_000L / rate;
            final long startNanos = System.nanoTime() + START_DELAY_NANOS;
            final RequestLoop requests = new RequestLoop(values, recorder, startNanos, periodNanos,
                durationNanos / periodNanos);
            final long[] processFaults = ThreadCounters.faults(Path.of("/proc/self/stat"));
            final Thread churnThread = new Thread(churn, "pinned-service-churn");
            final Thread requestThread = new Thread(requests, "pinned-service-requests");
            churnThread.start();
            requestThread.start();
            final Histogram total;
            final ArenaStats stats;
            final ArenaResidency residency;
            final long lockedBytes;
            try {
                total = report(recorder, recycled, requests, requestThread, startNanos, churn, out, log);
                stats = arena.stats(); // while the background thread still holds its blocks
                residency = arena.residency(); // the RSS column: in memory as measured, not the arena's account
                lockedBytes = space.lockedBytes();
            } finally {
                requestThread.join();
                churn.stop();
                churnThread.join();
            }
            if (out != null && variant.pinned() && stats.pin().state() != PinState.PINNED) {
                out.println("  not wholly pinned at the end (" + stats.pin().state() + "), and the arena worked on: "
                    + stats.pin().reason());
            }
            values.verifyAll();
            final long[] processFaultsAfter = ThreadCounters.faults(Path.of("/proc/self/stat"));
            return new Result(variant, total, values.reads(), values.writes(), values.mismatches(),
                problem(values, requests, churn), churn.compactions(), churn.movedBytes(), churn.longestPauseNanos(),
                pin == null ? PinState.UNPINNED : stats.pin().state(), stats.pin().pinnedBytes(), lockedBytes,
                residency.residentBytes(), requests.atEnd.since(requests.atStart),
                processFaultsAfter[0] - processFaults[0], processFaultsAfter[1] - processFaults[1]);
        }
    }

    /** The request thread's recorder: its range fixed up to {@link #HIGHEST_TRACKABLE_NANOS}, so recording allocates nothing. */
    static Recorder newRecorder() {
        return new Recorder(HIGHEST_TRACKABLE_NANOS, SIGNIFICANT_DIGITS);
    }

    /** Records one latency, a longer one than {@link #HIGHEST_TRACKABLE_NANOS} as that. */
    static void record(final Recorder recorder, final long latencyNanos) {
        recorder.recordValue(Math.min(latencyNanos, HIGHEST_TRACKABLE_NANOS));
    }

    /** The interval lines, until the request thread has made its last request; returns every interval added up. */
    private Histogram report(final Recorder recorder, final Histogram recycled, final RequestLoop requests,
        final Thread requestThread, final long startNanos, final BackgroundChurn churn, final PrintStream out,
        final HistogramLogWriter log) throws InterruptedException {
        final Histogram total = new Histogram(HIGHEST_TRACKABLE_NANOS, SIGNIFICANT_DIGITS);
        Histogram interval = recycled;
        ThreadCounters counted = null;
        long boundary = startNanos + intervalNanos;
        while (true) {
            final boolean last = boundary >= startNanos + durationNanos;
            if (last) {
                requestThread.join();
            } else {
                for (long now = System.nanoTime(); now < boundary; now = System.nanoTime()) {
                    LockSupport.parkNanos(boundary - now);
                }
            }
            interval = recorder.getIntervalHistogram(interval);
            total.add(interval);
            final ThreadCounters counters = last ? requests.atEnd : ThreadCounters.of(requests.taskDirectory);
            final ThreadCounters inInterval = counters.since(counted == null ? requests.atStart : counted);
            counted = counters;
            if (log != null) {
                log.outputIntervalHistogram(interval);
            }
            if (out != null) {
                out.println(intervalLine((Math.min(boundary, startNanos + durationNanos) - startNanos), interval, churn,
                    inInterval));
            }
            if (last) {
                return total;
            }
            boundary += intervalNanos;
        }
    }

    private String intervalLine(final long elapsedNanos, final Histogram interval, final BackgroundChurn churn,
        final ThreadCounters requestThread) {
        return String.format(Locale.ROOT, "  [%s] t=%.1fs requests=%d p50=%sus p99=%sus p99.9=%sus p99.99=%sus "
                + "max=%sus compactions=%d moved=%.1fMiB preempted=%s waited=%s minflt=%s", variant.name(),
            elapsedNanos / 1e9,
            interval.getTotalCount(), percentile(interval, 50), percentile(interval, 99), percentile(interval, 99.9),
            percentile(interval, 99.99), PinnedLowLatencyService.micros(interval.getMaxValue()), churn.compactions(),
            churn.movedBytes() / (double)(1 << 20), ServiceSummary.count(requestThread.preemptions()),
            ServiceSummary.count(requestThread.waits()), ServiceSummary.count(requestThread.minorFaults()));
    }

    static String percentile(final Histogram histogram, final double percentile) {
        return PinnedLowLatencyService.micros(histogram.getValueAtPercentile(percentile));
    }

    private static String problem(final ServiceValues values, final RequestLoop requests, final BackgroundChurn churn) {
        final List<String> problems = new ArrayList<>();
        if (values.mismatches() > 0) {
            problems.add(values.mismatches() + " values did not match their checksums, the first " + values.firstMismatch());
        }
        if (requests.failure != null) {
            problems.add("the request thread failed: " + requests.failure);
        }
        if (churn.failure() != null) {
            problems.add("the background thread failed: " + churn.failure());
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /**
     * The request thread: request {@code i} is due at {@code start + i * period}; the thread spins
     * until then (a parked thread wakes tens of microseconds late, which would count as latency),
     * serves it and records the time from when it was due. Allocates nothing while it serves.
     */
    static final class RequestLoop implements Runnable {
        private final ServiceValues values;
        private final Recorder recorder;
        private final long startNanos;
        private final long periodNanos;
        private final long requestCount;
        volatile Throwable failure;
        /** The thread's counters' directory, and their readings before the first request and after the last. */
        volatile Path taskDirectory;
        volatile ThreadCounters atStart;
        volatile ThreadCounters atEnd;

        RequestLoop(final ServiceValues values, final Recorder recorder, final long startNanos, final long periodNanos,
            final long requestCount) {
            this.values = values;
            this.recorder = recorder;
            this.startNanos = startNanos;
            this.periodNanos = periodNanos;
            this.requestCount = requestCount;
        }

        @Override
        public void run() {
            taskDirectory = ThreadCounters.currentTaskDirectory();
            atStart = ThreadCounters.of(taskDirectory);
            final SplittableRandom requests = new SplittableRandom(PinnedLowLatencyService.SEED + 2);
            try {
                for (long i = 0; i < requestCount; i++) {
                    final long dueNanos = startNanos + i * periodNanos;
                    while (System.nanoTime() < dueNanos) {
                        Thread.onSpinWait();
                    }
                    values.serve(requests);
                    record(recorder, System.nanoTime() - dueNanos);
                }
            } catch (final RuntimeException | Error e) {
                failure = e;
            }
            atEnd = ThreadCounters.of(taskDirectory);
        }
    }

    /** The sizes of a run: the values, the background thread's high mark, the arena's segment. */
    record Load(int keyCount, long churnBytes, long segmentBytes) {
        /** 16,384 values and 96 MiB of churn on Linux; an eighth of each on the simulator. */
        static Load of(final AddressSpace space) {
            final int divisor = DemoScale.isSimulated(space) ? 8 : 1;
            return new Load(16_384 / divisor, (96L << 20) / divisor, 2L << 20);
        }
    }

    /** What one variant measured. */
    record Result(PinnedLowLatencyService.Variant variant, Histogram histogram, long reads, long writes,
        long mismatches, String problem, long compactions, long movedBytes, long longestPauseNanos, PinState pinState,
        long pinnedBytes, long lockedBytes, long residentBytes, ThreadCounters requestThread, long processMinorFaults,
        long processMajorFaults) {
    }
}
