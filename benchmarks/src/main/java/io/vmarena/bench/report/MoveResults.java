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
import java.util.List;

/** Reads MoveBenchmark rows, and the machine they ran on, from JMH's JSON result files. */
public final class MoveResults {
    private final List<MoveRow> rows = new ArrayList<>();
    private String machine = "";
    private String jvm = "";

    public static MoveResults read(final List<Path> files) throws IOException {
        final MoveResults results = new MoveResults();
        for (final Path file : files) {
            final JsonArray runs = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                .getAsJsonArray();
            for (final JsonElement run : runs) {
                results.add(run.getAsJsonObject());
            }
        }
        return results;
    }

    private void add(final JsonObject run) {
        if (!run.get("benchmark").getAsString().endsWith("MoveBenchmark.move")) {
            return;
        }
        final JsonObject params = run.getAsJsonObject("params");
        final JsonObject primary = run.getAsJsonObject("primaryMetric");
        final int iterations = run.get("measurementIterations").getAsInt();
        final JsonObject secondary = run.getAsJsonObject("secondaryMetrics");
        rows.add(new MoveRow(params.get("strategy").getAsString(), params.get("vmaCount").getAsInt(),
            params.get("regionBytes").getAsLong(), params.get("alignment").getAsString(),
            params.get("populated").getAsBoolean(), params.get("layout").getAsString(),
            primary.get("score").getAsDouble(), error(primary),
            counter(secondary, "systemCalls", iterations), counter(secondary, "vmasMoved", iterations)));
        for (final JsonElement arg : run.getAsJsonArray("jvmArgs")) {
            if (arg.getAsString().startsWith("-Dvmarena.machine=")) {
                machine = arg.getAsString().substring("-Dvmarena.machine=".length()).replace(",", ", ");
            }
        }
        jvm = run.get("vmName").getAsString() + " " + run.get("jdkVersion").getAsString();
    }

    private static double error(final JsonObject metric) {
        final JsonElement error = metric.get("scoreError");
        return error == null || !error.isJsonPrimitive() || error.getAsString().equals("NaN") ? 0 : error.getAsDouble();
    }

    /** JMH sums an EVENTS counter over the measurement iterations; each holds one move's value. */
    private static double counter(final JsonObject secondary, final String name, final int iterations) {
        if (secondary == null || !secondary.has(name)) {
            return Double.NaN;
        }
        return secondary.getAsJsonObject(name).get("score").getAsDouble() / iterations;
    }

    public List<MoveRow> rows() {
        return rows;
    }

    /** What MoveMatrix recorded about the machine: architecture, kernel, page sizes, THP. */
    public String machine() {
        return machine;
    }

    public String jvm() {
        return jvm;
    }
}
