package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
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
 * What one {@link Arena#stats()} costs, the call a service polls for its dashboards: on an arena
 * of {@code regionBytes}, every page of its live blocks resident, in {@code vmaCount} VMAs (see
 * {@link StatsRegion}). {@code source=stats} is the call as it is (PAGEMAP_SCAN and
 * PROCMAP_QUERY over the arena's range alone, where the kernel has them);
 * {@code source=smaps} is the read stats() made before, all of /proc/self/smaps for the range's
 * VMAs, whose cost grows with every mapping of the process. The target: at most 200 µs for
 * 1 GiB in 100 VMAs. Sample time, so JMH prints the median (p0.50) beside the mean. stats()
 * only reads, so one region serves every invocation.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar StatsBenchmark
 * java -jar benchmarks/target/benchmarks.jar StatsBenchmark -p source=stats -p vmaCount=100
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
public class StatsBenchmark {
    /** {@code stats}: Arena.stats(); {@code smaps}: the smaps read it made before. */
    @Param({"stats", "smaps"})
    public String source;

    @Param({"1", "100"})
    public int vmaCount;

    @Param({"1073741824"})
    public long regionBytes;

    private AddressSpace space;
    private Arena arena;
    private long base;
    private boolean smaps;

    @Setup(Level.Trial)
    public void buildRegion() {
        smaps = sourceIsSmaps(source);
        space = AddressSpaces.system();
        arena = StatsRegion.build(space, regionBytes, vmaCount);
        base = arena.stats().baseAddress();
    }

    @TearDown(Level.Trial)
    public void closeRegion() {
        arena.close();
    }

    /** The stats, or the smaps figures summed (so that neither read is optimised away). */
    @Benchmark
    public Object stats() {
        return smaps ? (Object)StatsRegion.smapsFigures(space, base, regionBytes) : arena.stats();
    }

    /** Whether {@code source} names the old smaps read. */
    static boolean sourceIsSmaps(final String source) {
        switch (source) {
            case "stats":
                return false;
            case "smaps":
                return true;
            default:
                throw new IllegalArgumentException("unknown source " + source + "; one of stats, smaps");
        }
    }
}
