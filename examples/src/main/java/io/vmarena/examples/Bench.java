package io.vmarena.examples;

import io.vmarena.bench.MoveFixture;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.MoveResult;
import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.HdrHistogram.Histogram;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code vmarena bench}: a short single- against multi-VMA move comparison on this machine, in
 * well under a minute. Each case moves a region back and forth, warms up, then times single
 * moves and prints their medians, with the per-VMA / multi-VMA ratio. It is a quick look, not a
 * benchmark: {@code java -jar benchmarks/target/benchmarks.jar matrix} measures with JMH. On the
 * simulator the times are of a Java model (a move copies bytes) and the counted system calls
 * are what a kernel would have been asked to do.
 */
@Command(name = "bench", description = {"a short single- against multi-VMA move comparison on this machine",
    "(for the full picture: java -jar benchmarks/target/benchmarks.jar matrix)"},
    exitCodeListHeading = "%nExit status:%n", exitCodeList = {VmarenaCommand.EXIT_OK,
        "1:a case could not run (the failures are listed)", VmarenaCommand.EXIT_BAD_INPUT})
final class Bench implements Callable<Integer> {
    private static final long MIB = 1L << 20;
    /** 20 cases of at most this long (more only where 40 moves take longer) keep the run within 20 s. */
    private static final long CASE_NANOS = 800_000_000L;
    private static final int MIN_MOVES = 20;
    private static final MoveStrategy[] STRATEGIES = {MoveStrategy.MULTI_VMA, MoveStrategy.PER_VMA_KNOWN,
        MoveStrategy.PER_VMA_PROC_MAPS, MoveStrategy.PER_VMA_PROCMAP_QUERY, MoveStrategy.COPY};

    /** One row: a region shape, timed with every strategy. */
    private record Shape(String name, int vmaCount, long regionBytes, boolean populated) {
    }

    private final PrintStream out;
    private final PrintStream err;
    @Mixin
    private HelpOption help = new HelpOption();
    @Mixin
    private BackendOption backend = new BackendOption();

    Bench(final PrintStream out, final PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        final AddressSpace space = backend.open();
        final boolean simulated = space instanceof SimulatedAddressSpace;
        final List<Shape> shapes = List.of(new Shape("1 VMA, 64 MiB", 1, 64 * MIB, false),
            new Shape("16 VMAs, 64 MiB", 16, 64 * MIB, false), new Shape("256 VMAs, 64 MiB", 256, 64 * MIB, false),
            new Shape("1 VMA, 64 MiB, populated", 1, 64 * MIB, true));
        header(space.capabilities(), simulated);
        final List<String> lines = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        final StepProgress progress = StepProgress.onConsole(err);
        int done = 0;
        final int total = shapes.size() * STRATEGIES.length;
        for (final Shape shape : shapes) {
            final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-26s", shape.name()));
            double multi = Double.NaN;
            double known = Double.NaN;
            for (final MoveStrategy strategy : STRATEGIES) {
                progress.step(String.format(Locale.ROOT, "[%2d/%d] %-22s %s", ++done, total, strategy, shape.name()));
                double[] measured;
                try {
                    measured = measure(space, strategy, shape);
                } catch (final RuntimeException e) {
                    failures.add(strategy + ", " + shape.name() + ": " + e.getMessage());
                    measured = new double[] {Double.NaN, Double.NaN};
                }
                line.append(String.format(Locale.ROOT, " %14s", format(measured, simulated)));
                multi = strategy == MoveStrategy.MULTI_VMA ? measured[0] : multi;
                known = strategy == MoveStrategy.PER_VMA_KNOWN ? measured[0] : known;
            }
            line.append(String.format(Locale.ROOT, " %9s", Double.isNaN(multi) || Double.isNaN(known) ? "n/a"
                : String.format(Locale.ROOT, "%.2fx", known / multi)));
            lines.add(line.toString());
        }
        progress.done();
        out.printf(Locale.ROOT, "%-26s %14s %14s %14s %14s %14s %9s%n", "median time of one move", "MULTI_VMA",
            "PER_VMA_KNOWN", "PER_VMA_MAPS", "PER_VMA_QUERY", "COPY", "known/one");
        lines.forEach(out::println);
        out.println();
        out.println("known/one: one mremap per VMA with known boundaries, divided by one multi-VMA mremap.");
        if (simulated) {
            out.println("Simulated: times are of the model; [N calls] is what a kernel would have been asked to do.");
        }
        for (final String failure : failures) {
            out.println("failed: " + failure);
        }
        return failures.isEmpty() ? VmarenaCommand.OK : VmarenaCommand.PROBLEM;
    }

    private void header(final Capabilities caps, final boolean simulated) {
        out.println("vmarena bench: moving a region between two reservations, median of single moves");
        out.println((simulated ? "SIMULATOR (a model, not this machine's kernel): " : "") + caps.architecture()
            + ", Linux " + caps.kernelRelease() + ", " + caps.pageSize() / 1024 + " KiB pages, THP " + caps.thpMode()
            + "; multi-VMA move: " + (caps.multiVmaMove().available() ? "yes" : "no") + ", PROCMAP_QUERY: "
            + (caps.procmapQuery().available() ? "yes" : "no"));
        out.println();
    }

    /** {median microseconds, system calls per move}, or NaN where the strategy cannot run here. */
    private static double[] measure(final AddressSpace space, final MoveStrategy strategy, final Shape shape) {
        if (MoveFixture.invalidReason(space, strategy, shape.vmaCount(), shape.regionBytes(),
            MoveFixture.Layout.PROT) != null) {
            return new double[] {Double.NaN, Double.NaN};
        }
        final Histogram histogram = new Histogram(3);
        long calls = 0;
        try (MoveFixture fixture = new MoveFixture(space, strategy, shape.vmaCount(), shape.regionBytes(),
            MoveFixture.Alignment.PMD, shape.populated(), MoveFixture.Layout.PROT)) {
            final long deadline = System.nanoTime() + CASE_NANOS;
            for (int move = 0; move < MIN_MOVES * 2 || System.nanoTime() < deadline && move < 10_000; move++) {
                final long started = System.nanoTime();
                final MoveResult result = fixture.move();
                final long elapsed = System.nanoTime() - started;
                fixture.rearm();
                if (move >= MIN_MOVES) {
                    histogram.recordValue(Math.max(1, elapsed));
                }
                calls = result.systemCalls();
            }
        }
        return new double[] {histogram.getValueAtPercentile(50) / 1000.0, calls};
    }

    private static String format(final double[] measured, final boolean simulated) {
        if (Double.isNaN(measured[0])) {
            return "n/a";
        }
        final String time = measured[0] >= 1000 ? String.format(Locale.ROOT, "%.2f ms", measured[0] / 1000)
            : String.format(Locale.ROOT, "%.1f us", measured[0]);
        return simulated ? time + " [" + (long)measured[1] + "]" : time;
    }
}
