package io.vmarena.bench;

import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.MoveResult;
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

import java.util.concurrent.TimeUnit;

/**
 * What moving a region costs, by {@link MoveStrategy}: one multi-VMA mremap, one mremap per VMA
 * with known boundaries, per VMA with boundaries from /proc/self/maps or PROCMAP_QUERY, and a
 * copy into fresh mappings. The region has {@code vmaCount} VMAs and {@code regionBytes} bytes,
 * cut by {@code layout} ({@code prot}, {@code mlock}, {@code gaps}); source and destination are
 * congruent modulo the PUD size, the PMD size, or neither ({@code alignment}); its pages are
 * resident or never touched ({@code populated}).
 *
 * <p>A move changes the state it measures, so the region goes back and forth between two
 * reservations (ping-pong, {@link MoveFixture}); the side it left is reserved again in a
 * per-invocation set-up, outside the measurement (JMH sample 38: fine for operations of
 * microseconds and more). Counters: {@code systemCalls} and {@code vmasMoved} per move.
 * Through vmarena's {@link io.vmarena.vm.AddressSpace}, so each move includes its ownership
 * check: free for ranges without holes, one PROCMAP_QUERY per hole with {@code gaps}.
 *
 * <p>A combination the machine cannot run (a strategy the kernel lacks, too many VMAs for the
 * region, no lock budget) fails its set-up with "skipped: why"; {@link MoveMatrix} leaves such
 * combinations out before it starts.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar MoveBenchmark -p strategy=MULTI_VMA,PER_VMA_KNOWN -p vmaCount=256
 * java -jar benchmarks/target/benchmarks.jar matrix          (the default matrix and its report)
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m"})
public class MoveBenchmark {
    @Param({"MULTI_VMA", "PER_VMA_KNOWN", "PER_VMA_PROC_MAPS", "PER_VMA_PROCMAP_QUERY", "COPY"})
    public String strategy;

    @Param({"1", "16", "256", "4096"}) // VMA counts, not bytes: the default V of the move suite
    public int vmaCount;

    @Param({"67108864"})
    public long regionBytes;

    @Param({"PMD"})
    public String alignment;

    @Param({"false"})
    public boolean populated;

    @Param({"prot"})
    public String layout;

    private MoveFixture fixture;

    @Setup(Level.Trial)
    public void build() {
        fixture = new MoveFixture(AddressSpaces.system(), MoveStrategy.valueOf(strategy), vmaCount, regionBytes,
            MoveFixture.Alignment.valueOf(alignment), populated, MoveFixture.Layout.of(layout));
    }

    @Setup(Level.Invocation)
    public void rearm() {
        fixture.rearm();
    }

    @TearDown(Level.Trial)
    public void release() {
        fixture.close();
    }

    @Benchmark
    public MoveResult move(final MoveCounters counters) {
        final MoveResult result = fixture.move();
        // The last move's values: every move of a trial does the same, so this is per move.
        counters.systemCalls = result.systemCalls();
        counters.vmasMoved = result.vmasMoved();
        return result;
    }
}
