package io.vmarena.examples;

import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The parent's side of one cache-churn child ({@link ChurnChild}): starts it, samples its RSS
 * (VmRSS of /proc/PID/status) every {@link #SAMPLE_MILLIS} on a thread of its own, follows its
 * lines, and collects what it reports. RSS is the child's whole resident set: its Java heap
 * (pre-touched, so flat), code, metaspace, thread stacks, the cache's off-heap memory and
 * anything its library maps; the baseline is read after the child's warm-up, before the cache exists.
 */
final class ChurnRun {
    static final long SAMPLE_MILLIS = 50;
    /** How long a child whose RSS could not be read is given to show it has ended. */
    private static final long GONE_SECONDS = 5;

    /** RSS at a time (nanoseconds since the child started). */
    record Sample(long nanos, long rssBytes) {
    }

    /** The child's own count of operations and live bytes, when the parent read the line. */
    record Progress(long nanos, long operationCount, long liveBytes) {
    }

    /** Everything one child reported. */
    record Result(ChurnContender contender, long baselineBytes, long afterBytes, long liveAfterBytes,
        long cacheResidentBytes, long compactedBytes, List<Sample> samples, List<Progress> progress, Histogram gets, Histogram puts, long verified,
        long failures, List<String> notes) {
        long peakBytes() {
            return samples.stream().mapToLong(Sample::rssBytes).max().orElse(baselineBytes);
        }

        /** vmarena's RSS after an explicit compact and trim, above the baseline, over the live bytes; NaN for peers. */
        double compactedToLive() {
            return compactedBytes == 0 ? Double.NaN : (double)(compactedBytes - baselineBytes) / liveAfterBytes;
        }

        /** RSS after the bursts, above the baseline, over the live bytes then. */
        double afterToLive() {
            return (double)(afterBytes - baselineBytes) / liveAfterBytes;
        }
    }

    private ChurnRun() {
    }

    /**
     * Runs one child to the end.
     *
     * @param stderrLog where the child's stderr goes (its tail is in the exception if it fails)
     * @param onLine told of each PHASE and INFO line, for progress
     * @throws IllegalStateException when the child ends before DONE, or exits non-zero
     */
    static Result run(final ChurnContender contender, final List<String> command, final Path stderrLog,
        final Consumer<String> onLine) throws IOException, InterruptedException {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderrLog.toFile());
        final long startNanos = System.nanoTime();
        final Process process = builder.start();
        // Killed or interrupted, the parent takes its child along: a child left behind runs its load
        // on and holds its GiBs. (A SIGKILL runs no hook: the child watches for that itself.)
        final Thread destroyer = new Thread(process::destroyForcibly, "cache-churn-destroy-" + process.pid());
        Runtime.getRuntime().addShutdownHook(destroyer);
        final RssSampler sampler = new RssSampler(process.pid(), startNanos);
        final Thread samplerThread = new Thread(sampler, "cache-churn-rss-" + process.pid());
        samplerThread.setDaemon(true);
        final Collector collector = new Collector(startNanos, sampler, onLine);
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)); BufferedWriter answers = new BufferedWriter(
                new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                final boolean waits;
                try {
                    waits = collector.take(line);
                } catch (final IllegalStateException unreadable) {
                    // A child killed (kill -9, the OOM killer) before its RSS was read: say that
                    // it ended, with its exit and stderr, not that /proc cannot be read.
                    if (process.waitFor(GONE_SECONDS, TimeUnit.SECONDS)) {
                        break;
                    }
                    throw unreadable;
                }
                if (waits) {
                    if (line.startsWith("BASELINE")) {
                        samplerThread.start();
                    }
                    answers.write("go\n");
                    answers.flush();
                }
            }
        } finally {
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (final InterruptedException e) {
                process.destroyForcibly();
                throw e;
            } finally {
                sampler.stop();
                removeHook(destroyer);
            }
            samplerThread.join();
        }
        if (process.exitValue() != 0 || !collector.done) {
            throw new IllegalStateException(contender.id() + "'s JVM " + (collector.done ? "exited with "
                + process.exitValue() : "ended before it finished (exit " + process.exitValue() + ")")
                + "; its stderr, " + stderrLog + ", ends:\n" + tail(stderrLog));
        }
        return new Result(contender, collector.baselineBytes, collector.afterBytes, collector.liveAfterBytes,
            collector.cacheResidentBytes, collector.compactedBytes, sampler.samples(), collector.progress, collector.gets, collector.puts, collector.verified,
            collector.failures, collector.notes);
    }

    private static void removeHook(final Thread destroyer) {
        try {
            Runtime.getRuntime().removeShutdownHook(destroyer);
        } catch (final IllegalStateException shuttingDown) {
            // The hook runs or has run: it destroys a child that is over anyway.
        }
    }

    private static String tail(final Path log) throws IOException {
        final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /** What the child's lines say, as they come. */
    private static final class Collector {
        private final long startNanos;
        private final RssSampler sampler;
        private final Consumer<String> onLine;
        private final List<Progress> progress = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private long baselineBytes;
        private long afterBytes;
        private long liveAfterBytes;
        private long cacheResidentBytes = -1;
        private long compactedBytes;
        private Histogram gets;
        private Histogram puts;
        private long verified;
        private long failures;
        private boolean done;

        Collector(final long startNanos, final RssSampler sampler, final Consumer<String> onLine) {
            this.startNanos = startNanos;
            this.sampler = sampler;
            this.onLine = onLine;
        }

        /** Takes one line; true when the child waits for an answer. */
        boolean take(final String line) {
            final String[] words = line.split(" ", 3);
            switch (words[0]) {
                case "BASELINE":
                    baselineBytes = sampler.read();
                    return true;
                case "SETTLED":
                    afterBytes = sampler.read();
                    sampler.stop(); // the curves end here: what follows is the child closing its cache
                    liveAfterBytes = Long.parseLong(words[1]);
                    cacheResidentBytes = words.length > 2 ? Long.parseLong(words[2]) : -1;
                    return true;
                case "COMPACTED":
                    compactedBytes = sampler.read();
                    return true;
                case "LIVE":
                    progress.add(new Progress(System.nanoTime() - startNanos, Long.parseLong(words[1]),
                        Long.parseLong(words[2])));
                    return false;
                case "HIST":
                    final Histogram histogram = decode(words[2]);
                    if (words[1].equals("get")) {
                        gets = histogram;
                    } else {
                        puts = histogram;
                    }
                    return false;
                case "DONE":
                    verified = Long.parseLong(words[1]);
                    failures = Long.parseLong(words[2]);
                    done = true;
                    return false;
                default:
                    notes.add(line);
                    onLine.accept(line);
                    return false;
            }
        }
    }

    private static Histogram decode(final String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (final java.util.zip.DataFormatException e) {
            throw new IllegalStateException("a child's histogram does not decode: " + e.getMessage(), e);
        }
    }

    /** Reads the child's VmRSS every {@link #SAMPLE_MILLIS} until stopped. */
    private static final class RssSampler implements Runnable {
        private final Path status;
        private final long startNanos;
        private final List<Sample> samples = new ArrayList<>();
        private volatile boolean stopped;

        RssSampler(final long pid, final long startNanos) {
            this.status = Path.of("/proc", Long.toString(pid), "status");
            this.startNanos = startNanos;
        }

        @Override
        public void run() {
            while (!stopped) {
                final long rssBytes = readQuietly();
                if (rssBytes > 0) {
                    synchronized (samples) {
                        samples.add(new Sample(System.nanoTime() - startNanos, rssBytes));
                    }
                }
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (final InterruptedException e) {
                    return;
                }
            }
        }

        void stop() {
            stopped = true;
        }

        List<Sample> samples() {
            synchronized (samples) {
                return List.copyOf(samples);
            }
        }

        /** VmRSS now, in bytes (a sample too, until stopped); the child is alive and waiting, so it must be there. */
        long read() {
            final long rssBytes = readQuietly();
            if (rssBytes <= 0) {
                throw new IllegalStateException("cannot read VmRSS from " + status
                    + ": cache-churn samples RSS from Linux's /proc");
            }
            if (!stopped) {
                synchronized (samples) {
                    samples.add(new Sample(System.nanoTime() - startNanos, rssBytes));
                }
            }
            return rssBytes;
        }

        /** VmRSS in bytes, or -1 once the process is gone. */
        private long readQuietly() {
            try {
                for (final String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.substring(6).replace("kB", "").trim()) * 1024;
                    }
                }
                return -1;
            } catch (final IOException gone) {
                return -1;
            }
        }
    }
}
