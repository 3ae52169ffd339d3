package io.vmarena.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The pauses of a trial's measured compactions, in nanoseconds, recorded in an HdrHistogram and
 * written at the end of the trial to a side file the report reads ({@code compaction-report}):
 * JMH's JSON holds one score per iteration, not the distribution of every slice in it.
 *
 * <p>The file is {@code DIR/BENCHMARK-PARAMS-PID.hlog} (an HdrHistogram log, one interval), DIR
 * being {@code -Dvmarena.bench.pauses=DIR} or {@code reports/compaction/pauses} under the
 * working directory, which JMH's forks share with the command that started them.
 */
final class PauseLog {
    static final String DIRECTORY_PROPERTY = "vmarena.bench.pauses";
    static final String DEFAULT_DIRECTORY = "reports/compaction/pauses";
    /** Pauses from 1 ns to an hour at three significant digits. */
    private static final long HIGHEST_NANOS = 3_600_000_000_000L;

    private final Histogram histogram = new Histogram(HIGHEST_NANOS, 3);
    private final long startMillis = System.currentTimeMillis();
    private boolean measuring;

    /** Whether the iteration under way is measured (warm-up pauses are not recorded). */
    void measuring(final boolean value) {
        measuring = value;
    }

    void record(final long pauseNanos) {
        if (measuring) {
            histogram.recordValue(Math.min(HIGHEST_NANOS, Math.max(1, pauseNanos)));
        }
    }

    long count() {
        return histogram.getTotalCount();
    }

    /**
     * Writes the histogram; {@code name} says whose it is, e.g.
     * {@code CompactionBenchmark.slices-method=move-arenaBytes=1073741824}.
     *
     * @return the file written
     */
    Path write(final String name) {
        final Path directory = Paths.get(System.getProperty(DIRECTORY_PROPERTY, DEFAULT_DIRECTORY));
        final Path file = directory.resolve(name + "-" + ProcessHandle.current().pid() + ".hlog");
        try {
            Files.createDirectories(directory);
            final HistogramLogWriter writer = new HistogramLogWriter(file.toFile());
            writer.outputComment("vmarena " + name + ": pause per compaction slice, ns");
            writer.outputLogFormatVersion();
            writer.outputStartTime(startMillis);
            writer.outputLegend();
            histogram.setStartTimeStamp(startMillis);
            histogram.setEndTimeStamp(System.currentTimeMillis());
            writer.outputIntervalHistogram(histogram);
            writer.close();
        } catch (final IOException failed) {
            throw new UncheckedIOException("cannot write the pause log " + file, failed);
        }
        return file;
    }
}
