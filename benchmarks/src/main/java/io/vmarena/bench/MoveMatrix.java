package io.vmarena.bench;

import io.vmarena.bench.report.MoveReport;
import io.vmarena.bench.report.MoveResults;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.MoveStrategy;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs MoveBenchmark over a matrix and writes the report, two forks a combination. The default
 * matrix (about seven minutes on two cores) is two sweeps: every strategy at 1 to 4,096 VMAs (64 MiB, PMD, not
 * populated, prot layout), and one populated VMA of 64 KiB to 1 GiB at each alignment, moved
 * and copied. {@code --full} runs every combination of every parameter that this machine can
 * run. Combinations it cannot (a strategy the kernel lacks, too many VMAs for the region, no
 * lock budget) are left out and listed with the reason.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar matrix [--full] [--out reports/move]
 * </pre>
 */
public final class MoveMatrix {
    private static final int[] VMA_COUNTS = {1, 16, 256, 4096}; // VMA counts, not bytes: the default V
    private static final long[] SIZES = {64L << 10, 1L << 20, 16L << 20, 256L << 20, 1L << 30};

    private final AddressSpace space = AddressSpaces.system();
    private final Path out;
    private final List<Path> files = new ArrayList<>();

    private MoveMatrix(final Path out) {
        this.out = out;
    }

    public static void main(final String[] args) throws RunnerException, IOException {
        boolean full = false;
        Path out = Paths.get("reports/move");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--full")) {
                full = true;
            } else if (args[i].equals("--out") && i + 1 < args.length) {
                out = Paths.get(args[++i]);
            } else {
                System.err.println("usage: MoveMatrix [--full] [--out DIR]");
                System.exit(2);
            }
        }
        final MoveMatrix matrix = new MoveMatrix(out);
        Files.createDirectories(out.resolve("raw"));
        if (full) {
            matrix.full();
        } else {
            matrix.standard();
        }
        final Path report = MoveReport.write(MoveResults.read(matrix.files), out,
            "java -jar benchmarks/target/benchmarks.jar matrix" + (full ? " --full" : ""));
        System.out.println("wrote " + report);
    }

    private void standard() throws RunnerException {
        final List<String> counts = new ArrayList<>();
        for (final int count : VMA_COUNTS) {
            if (valid(MoveStrategy.MULTI_VMA, count, MoveReport.SWEEP_BYTES, MoveFixture.Layout.PROT)) {
                counts.add(Integer.toString(count));
            }
        }
        run("vma-sweep", strategies(MoveStrategy.values()), counts, List.of(Long.toString(MoveReport.SWEEP_BYTES)),
            List.of("PMD"), List.of("false"), List.of("prot"));
        final List<String> sizes = new ArrayList<>();
        for (final long size : SIZES) {
            sizes.add(Long.toString(size));
        }
        run("size-sweep", strategies(MoveStrategy.MULTI_VMA, MoveStrategy.COPY), List.of("1"), sizes,
            List.of("PUD", "PMD", "NONE"), List.of("true"), List.of("prot"));
    }

    /** One JMH run per region size, VMA count and layout, each with only what can run. */
    private void full() throws RunnerException {
        for (final long size : SIZES) {
            for (final int count : VMA_COUNTS) {
                for (final MoveFixture.Layout layout : MoveFixture.Layout.values()) {
                    if (!valid(MoveStrategy.COPY, count, size, layout)) {
                        continue;
                    }
                    run("full-" + size + "-" + count + "-" + layout, strategies(MoveStrategy.values()),
                        List.of(Integer.toString(count)), List.of(Long.toString(size)), List.of("PUD", "PMD", "NONE"),
                        List.of("true", "false"), List.of(layout.name().toLowerCase(java.util.Locale.ROOT)));
                }
            }
        }
    }

    private boolean valid(final MoveStrategy strategy, final int count, final long size,
        final MoveFixture.Layout layout) {
        final String reason = MoveFixture.invalidReason(space, strategy, count, size, layout);
        if (reason != null) {
            System.out.println("skipped " + strategy + " " + count + " VMAs " + size + " bytes " + layout + ": "
                + reason);
        }
        return reason == null;
    }

    private List<String> strategies(final MoveStrategy... candidates) {
        final List<String> names = new ArrayList<>();
        for (final MoveStrategy strategy : candidates) {
            if (strategy == MoveStrategy.AUTO) {
                continue;
            }
            final String missing = strategy.unavailableReason(space.capabilities());
            if (missing == null) {
                names.add(strategy.name());
            } else {
                System.out.println("skipped " + strategy + ": " + missing);
            }
        }
        return names;
    }

    private void run(final String name, final List<String> strategies, final List<String> counts,
        final List<String> sizes, final List<String> alignments, final List<String> populated,
        final List<String> layouts) throws RunnerException {
        final Path file = out.resolve("raw").resolve(name + ".json");
        final ChainedOptionsBuilder options = new OptionsBuilder()
            .include(MoveBenchmark.class.getSimpleName() + ".move")
            .param("strategy", strategies.toArray(new String[0]))
            .param("vmaCount", counts.toArray(new String[0]))
            .param("regionBytes", sizes.toArray(new String[0]))
            .param("alignment", alignments.toArray(new String[0]))
            .param("populated", populated.toArray(new String[0]))
            .param("layout", layouts.toArray(new String[0]))
            // Options replace the @Fork annotation's arguments, so Agrona's flag goes here too.
            .jvmArgsAppend(Machine.forkArguments(space))
            // Two forks: on a noisy VM one JVM's run can be 30% off the next one's.
            .forks(2)
            .warmupIterations(2)
            .shouldFailOnError(true)
            .resultFormat(ResultFormatType.JSON)
            .result(file.toString());
        new Runner(options.build()).run();
        files.add(file);
    }
}
