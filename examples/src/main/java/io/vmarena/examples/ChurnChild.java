package io.vmarena.examples;

import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * One contender of cache-churn, in a JVM of its own: {@code ChurnChild CONTENDER BACKEND
 * SETTINGS...} (see {@link ChurnLoad.Settings#toArgs}). It talks to its parent ({@link ChurnRun})
 * by lines: after a warm-up ({@link #warmUp}), on stdout {@code BASELINE} (then waits for a line
 * on stdin, while the parent reads its RSS before the cache exists), {@code PHASE name}, {@code LIVE operations liveBytes},
 * {@code INFO text}, {@code MISMATCH ...} (the first few), {@code SETTLED liveBytes residentBytes}
 * (the cache's own count, -1 for none; then waits
 * again, for the RSS after the bursts), for vmarena {@code COMPACTED} (then waits again: the RSS
 * after an explicit compact and trim, a diagnosis beyond the measured run),
 * {@code HIST get|put base64} (compressed HdrHistograms
 * of nanoseconds) and last {@code DONE verified failures}.
 */
public final class ChurnChild {
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int MISMATCHES_SHOWN = 10;
    /** The exit status of a child whose parent is gone: nobody reads it, but a shell that started the child sees it. */
    static final int PARENT_GONE = 3;

    private ChurnChild() {
    }

    public static void main(final String[] args) throws IOException, InterruptedException {
        haltWhenParentExits();
        final ChurnContender contender = ChurnContender.byId(args[0]);
        final String backend = args[1];
        final ChurnLoad.Settings settings = ChurnLoad.Settings.parse(args, 2);
        final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        final Recording recording = new Recording(out);
        warmUp(contender, backend, settings, recording);
        NativeHeapTrim.awaitTrim();
        out.println("BASELINE");
        awaitParent(in);
        try (ChurnCache cache = contender.open(backend, settings)) {
            out.println("INFO start " + cache.describe());
            final long verified = new ChurnLoad(settings, cache, recording).run();
            out.println("INFO end " + cache.describe());
            out.println("SETTLED " + recording.liveBytes + " " + cache.residentBytes());
            awaitParent(in);
            if (cache instanceof ArenaChurnCache) {
                out.println("INFO compact " + ((ArenaChurnCache)cache).compactAndTrim());
                out.println("INFO compacted " + cache.describe());
                out.println("COMPACTED");
                awaitParent(in);
            }
            out.println("HIST get " + encode(recording.gets));
            out.println("HIST put " + encode(recording.puts));
            out.println("DONE " + verified + " " + recording.failures);
        }
    }

    /**
     * The same operations on a small scale ({@link ChurnLoad.Settings#warmup}) in a cache closed
     * again before the baseline: the JVM's own growth as it warms up (JIT-compiled code,
     * metaspace, about 22 MiB for vmarena) is then in the baseline, not charged to the cache.
     * Its values are verified too (a failure counts); its latencies and progress are not recorded.
     */
    private static void warmUp(final ChurnContender contender, final String backend, final ChurnLoad.Settings settings,
        final Recording recording) throws InterruptedException {
        final ChurnLoad.Settings warmup = settings.warmup();
        try (ChurnCache cache = contender.open(backend, warmup)) {
            new ChurnLoad(warmup, cache, new ChurnLoad.Sink() {
                @Override
                public void phase(final String name) {
                }

                @Override
                public void progress(final long operationCount, final long liveBytes) {
                }

                @Override
                public void put(final long nanos) {
                }

                @Override
                public void get(final long nanos) {
                }

                @Override
                public void mismatch(final long key, final int version, final String what) {
                    recording.mismatch(key, version, "warm-up: " + what);
                }
            }).run();
        }
        System.gc(); // the warm-up's garbage goes before the baseline (the heap is pre-touched: RSS stays)
    }

    /**
     * Halts this JVM as soon as its parent is gone, whatever the load is doing: killed (even by
     * SIGKILL, which runs no shutdown hook) the parent could not stop its child, and the child
     * would run its load to the end, holding its GiBs, noticing only at its next
     * {@link #awaitParent} (its lines go to a closed pipe unseen). Halt, not exit: nothing of
     * the run is worth a shutdown's time once nobody reads it. The JDK completes
     * {@code onExit} on a daemon thread of its own.
     */
    static void haltWhenParentExits() {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit()
            .thenRun(() -> Runtime.getRuntime().halt(PARENT_GONE)));
    }

    private static void awaitParent(final BufferedReader in) throws IOException {
        if (in.readLine() == null) {
            throw new IOException("the parent closed stdin: cache-churn's child runs only under vmarena cache-churn");
        }
    }

    private static String encode(final Histogram histogram) {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int lengthBytes = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), lengthBytes));
    }

    /** The load's sink: latencies into histograms, the rest as lines to the parent. */
    private static final class Recording implements ChurnLoad.Sink {
        private final PrintStream out;
        private final Histogram gets = new Histogram(HIGHEST_NANOS, 3);
        private final Histogram puts = new Histogram(HIGHEST_NANOS, 3);
        private long failures;
        private long liveBytes;

        Recording(final PrintStream out) {
            this.out = out;
        }

        @Override
        public void phase(final String name) {
            out.println("PHASE " + name);
        }

        @Override
        public void progress(final long operationCount, final long liveBytes) {
            this.liveBytes = liveBytes;
            out.println("LIVE " + operationCount + " " + liveBytes);
        }

        @Override
        public void put(final long nanos) {
            puts.recordValue(Math.min(nanos, HIGHEST_NANOS));
        }

        @Override
        public void get(final long nanos) {
            gets.recordValue(Math.min(nanos, HIGHEST_NANOS));
        }

        @Override
        public void mismatch(final long key, final int version, final String what) {
            if (++failures <= MISMATCHES_SHOWN) {
                out.println("MISMATCH key " + key + " version " + version + ": " + what);
            }
        }
    }
}
