package io.vmarena.bench.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JMH result of a single-shot benchmark, read from JMH's JSON: its parameters, the median
 * and mean time of one operation, and the median of each auxiliary counter over the measured
 * iterations (each iteration is one operation, so a counter's median is per operation).
 *
 * @param benchmark {@code Class.method}, without the package
 * @param medianMicros the median of the iterations' times
 * @param meanMicros JMH's score: their mean
 * @param errorMicros JMH's 99.9% confidence half-width (0 when it has none)
 * @param iterations how many measured iterations, over every fork
 * @param counters each counter's median per operation
 */
public record BenchRow(String benchmark, Map<String, String> params, double medianMicros, double meanMicros,
    double errorMicros, int iterations, Map<String, Double> counters) {

    /** The rows of every benchmark whose name starts with one of {@code prefixes}, with the machine and JVM. */
    public static List<BenchRow> read(final List<Path> files, final String... prefixes) throws IOException {
        final List<BenchRow> rows = new ArrayList<>();
        for (final Path file : files) {
            final JsonArray runs = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                .getAsJsonArray();
            for (final JsonElement run : runs) {
                final BenchRow row = of(run.getAsJsonObject());
                for (final String prefix : prefixes) {
                    if (row.benchmark().startsWith(prefix)) {
                        rows.add(row);
                        break;
                    }
                }
            }
        }
        return rows;
    }

    /** The machine a result file's first run records ({@code -Dvmarena.machine}), and its JVM; empty when none. */
    public static String machine(final List<Path> files) throws IOException {
        for (final Path file : files) {
            for (final JsonElement run : JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                .getAsJsonArray()) {
                final JsonObject object = run.getAsJsonObject();
                String machine = "not recorded";
                for (final JsonElement arg : object.getAsJsonArray("jvmArgs")) {
                    if (arg.getAsString().startsWith("-Dvmarena.machine=")) {
                        machine = arg.getAsString().substring("-Dvmarena.machine=".length()).replace(",", ", ");
                    }
                }
                return machine + "; JVM: " + object.get("vmName").getAsString() + " "
                    + object.get("jdkVersion").getAsString();
            }
        }
        return "";
    }

    private static BenchRow of(final JsonObject run) {
        final String full = run.get("benchmark").getAsString();
        final String name = full.substring(full.lastIndexOf('.', full.lastIndexOf('.') - 1) + 1);
        final Map<String, String> params = new LinkedHashMap<>();
        if (run.has("params")) {
            run.getAsJsonObject("params").entrySet().forEach(entry -> params.put(entry.getKey(),
                entry.getValue().getAsString()));
        }
        final JsonObject primary = run.getAsJsonObject("primaryMetric");
        final JsonElement error = primary.get("scoreError");
        final double errorMicros = error == null || error.getAsString().equals("NaN") ? 0 : error.getAsDouble();
        int iterations = 0;
        for (final JsonElement fork : primary.getAsJsonArray("rawData")) {
            iterations += fork.getAsJsonArray().size();
        }
        final Map<String, Double> counters = new LinkedHashMap<>();
        if (run.has("secondaryMetrics")) {
            run.getAsJsonObject("secondaryMetrics").entrySet().forEach(entry -> counters.put(entry.getKey(),
                median(entry.getValue().getAsJsonObject())));
        }
        return new BenchRow(name, params, median(primary), primary.get("score").getAsDouble(), errorMicros, iterations,
            counters);
    }

    private static double median(final JsonObject metric) {
        return metric.getAsJsonObject("scorePercentiles").get("50.0").getAsDouble();
    }

    /** A counter's median per operation; NaN when the run did not record it. */
    public double counter(final String name) {
        return counters.getOrDefault(name, Double.NaN);
    }

    public String param(final String name) {
        return params.getOrDefault(name, "");
    }
}
