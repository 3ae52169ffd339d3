package io.vmarena.bench;

import io.vmarena.CompactionResult;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.MoveStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.util.concurrent.TimeUnit;

/**
 * What compacting a churned arena costs, by {@code method}: an arena of {@code arenaBytes}
 * (1 GiB) in 2 MiB segments, each a one-segment block with every page written, half of the
 * blocks freed at random from a fixed seed ({@link ChurnedSegments}), then compacted:
 * <ul>
 *   <li>{@code move}: the arena as users build it ({@link MoveStrategy#AUTO}): every run of
 *       live segments that slide by the same distance is one page-table move (mremap), across
 *       all its VMAs on Linux 6.17+.</li>
 *   <li>{@code copy}: the same layout in an arena built with {@code moveStrategy(COPY)}: each
 *       live segment that slides is copied into place through the CPU, as an allocator without
 *       mremap must.</li>
 * </ul>
 * {@code move}/{@code copy} in the same run is the speed-up of moving page tables.
 *
 * <p>Two ways to run the same compaction: {@code compact} is one {@code Arena.compact()} (what
 * users call; it reads the memory figures before the first slice and after the last), {@code slices} calls
 * {@code compactSlice()} until the arena is complete and records every slice's pause (the time
 * the arena was closed) in an HdrHistogram ({@link PauseLog}, read by {@code compaction-report}:
 * p50, p99, p99.9, max). Each {@code compactSlice()} reads the memory figures (mincore and PROCMAP_QUERY over the range) before and after its slice,
 * outside the pause; the counters {@code callNanos} and {@code pauseNanos} tell that cost apart.
 *
 * <p>A compaction changes the state it measures, so each is a single shot (JMH sample 26) on a
 * fresh layout built in the iteration's set-up (not timed: about a second for 1 GiB); the
 * tear-down reads every live page back and closes the arena. Counters ({@link CompactionCounters},
 * per compaction): runs, system calls, VMAs moved, VMAs, reserved and resident bytes before and
 * after, slices, the longest pause. The times are the kernel's: on the simulator the set-up
 * fails with "skipped: ...".
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar CompactionBenchmark
 * java -jar benchmarks/target/benchmarks.jar CompactionBenchmark.slices -p method=move -p arenaBytes=268435456 -i 3
 * java -jar benchmarks/target/benchmarks.jar CompactionBenchmark -rf json -rff reports/compaction/results.json
 * java -jar benchmarks/target/benchmarks.jar compaction-report --out reports/compaction reports/compaction/results.json
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, batchSize = 1)
@Measurement(iterations = 15, batchSize = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m"})
public class CompactionBenchmark {
    @Param({"move", "copy"})
    public String method;

    @Param({"1073741824"})
    public long arenaBytes;

    private AddressSpace space;
    private MoveStrategy strategy;
    private ChurnedSegments layout;
    private final PauseLog pauses = new PauseLog();

    @Setup(Level.Trial)
    public void choose() {
        space = AddressSpaces.system();
        if (space.capabilities().backend().equals("sim")) {
            throw new IllegalStateException("skipped: CompactionBenchmark times the kernel, and the address space "
                + "here is the simulator (-Dvmarena.backend or no Linux backend)");
        }
        strategy = strategyOf(method);
    }

    /** The arena's move strategy for {@code method}: {@code move} is the default, {@code copy} copies. */
    static MoveStrategy strategyOf(final String method) {
        switch (method) {
            case "move":
                return MoveStrategy.AUTO;
            case "copy":
                return MoveStrategy.COPY;
            default:
                throw new IllegalArgumentException("unknown method " + method + "; one of move, copy");
        }
    }

    @Setup(Level.Iteration)
    public void churn(final IterationParams iteration) {
        pauses.measuring(iteration.getType() == IterationType.MEASUREMENT);
        layout = ChurnedSegments.build(space, strategy, arenaBytes);
    }

    @TearDown(Level.Iteration)
    public void check() {
        try {
            layout.check();
        } finally {
            layout.close();
            layout = null;
        }
    }

    @TearDown(Level.Trial)
    public void writePauses(final BenchmarkParams benchmark) {
        pauses.write(shortName(benchmark) + "-method=" + method + "-arenaBytes=" + arenaBytes);
    }

    /** {@code Class.method} of a JMH benchmark, without the package: the pause logs' names start with it. */
    static String shortName(final BenchmarkParams benchmark) {
        final String name = benchmark.getBenchmark();
        return name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
    }

    /** One {@code compact()}: the time users see. Its longest pause goes into the histogram. */
    @Benchmark
    public CompactionResult compact(final CompactionCounters counters) {
        final long start = System.nanoTime();
        final CompactionResult result = layout.arena().compact();
        counters.add(result, System.nanoTime() - start);
        pauses.record(result.longestPause().toNanos());
        return result;
    }

    /** {@code compactSlice()} until complete: every slice's pause goes into the histogram. */
    @Benchmark
    public long slices(final CompactionCounters counters) {
        CompactionResult result;
        do {
            final long start = System.nanoTime();
            result = layout.arena().compactSlice();
            counters.add(result, System.nanoTime() - start);
            pauses.record(result.longestPause().toNanos());
        } while (!result.complete());
        return counters.slices;
    }
}
