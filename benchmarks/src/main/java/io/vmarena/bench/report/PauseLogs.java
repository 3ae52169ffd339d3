package io.vmarena.bench.report;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pause logs the compaction benchmarks write ({@code NAME-PID.hlog}, see the benchmarks'
 * {@code PauseLog}): one histogram per NAME, the forks' logs added together. Values in ns.
 */
public final class PauseLogs {
    private PauseLogs() {
    }

    /** NAME to its histogram, sorted by name; empty when the directory does not exist. */
    public static Map<String, Histogram> read(final Path directory) throws IOException {
        final Map<String, Histogram> histograms = new TreeMap<>();
        if (!Files.isDirectory(directory)) {
            return histograms;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.hlog")) {
            for (final Path file : files) {
                final String fileName = file.getFileName().toString();
                final String name = fileName.substring(0, fileName.lastIndexOf('-'));
                final HistogramLogReader reader = new HistogramLogReader(file.toFile());
                try {
                    for (EncodableHistogram interval = reader.nextIntervalHistogram(); interval != null;
                        interval = reader.nextIntervalHistogram()) {
                        histograms.computeIfAbsent(name, key -> new Histogram(3)).add((Histogram)interval);
                    }
                } finally {
                    reader.close();
                }
            }
        }
        return histograms;
    }
}
