package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.HugePages;
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
 * of {@code regionBytes}, pinned, every page of its live blocks resident, in {@code vmaCount}
 * VMAs (see {@link StatsRegion}), with small pages ({@code hugePages=REFUSED}) or transparent
 * huge pages where the kernel gives them ({@code WANTED}). Sources:
 * <ul>
 * <li>{@code stats}: the call as it is: the resident and locked bytes from the arena's own
 * account (no system call), one PROCMAP_QUERY per VMA, and, where transparent huge pages may be
 * in effect ({@code WANTED}), one PAGEMAP_SCAN walk for the huge-page bytes.</li>
 * <li>{@code residency}: {@link Arena#residency()}, the measured figures: one PAGEMAP_SCAN walk
 * of the range's page tables, which costs per page-table entry: one per 4 KiB page, one per
 * huge page (what stats() cost before it counted from the arena's own account).</li>
 * <li>{@code smaps}: the read stats() made before, all of /proc/self/smaps, for the range's
 * VMAs: the same walk of the range and of every other mapping of the process.</li>
 * <li>{@code mincore}: the alternative weighed and not taken: mincore over the range and
 * PROCMAP_QUERY; cheaper per page, but it counts a read of an untouched page (the zero page)
 * as resident, where smaps' Rss does not, and it cannot tell huge pages.</li>
 * </ul>
 * The target: at most 200 µs for 1 GiB in 100 VMAs. Sample time, so JMH prints the
 * median (p0.50) beside the mean. stats() only reads, so one region serves every invocation.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar StatsBenchmark
 * java -jar benchmarks/target/benchmarks.jar StatsBenchmark -p source=stats -p vmaCount=100 -p hugePages=WANTED
 * java -jar benchmarks/target/benchmarks.jar StatsBenchmark -p source=stats,residency -p vmaCount=100 -p hugePages=REFUSED
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
public class StatsBenchmark {
    /**
     * {@code stats}: Arena.stats(); {@code residency}: Arena.residency(), the walk; {@code smaps}:
     * the read stats() made first; {@code mincore}: the alternative.
     */
    @Param({"stats", "residency", "smaps", "mincore"})
    public String source;

    /** {@code REFUSED}: 4 KiB pages (MADV_NOHUGEPAGE); {@code WANTED}: huge pages where the kernel has them. */
    @Param({"REFUSED", "WANTED"})
    public String hugePages;

    @Param({"1", "100"})
    public int vmaCount;

    @Param({"1073741824"})
    public long regionBytes;

    private AddressSpace space;
    private Arena arena;
    private long base;
    private Source reader;

    /** What the benchmark reads. */
    enum Source {
        STATS, RESIDENCY, SMAPS, MINCORE
    }

    @Setup(Level.Trial)
    public void buildRegion() {
        reader = sourceOf(source);
        space = AddressSpaces.system();
        arena = StatsRegion.build(space, regionBytes, vmaCount, HugePages.valueOf(hugePages));
        base = arena.stats().baseAddress();
    }

    @TearDown(Level.Trial)
    public void closeRegion() {
        arena.close();
    }

    /** The stats, or the other sources' figures summed (so that no read is optimised away). */
    @Benchmark
    public Object stats() {
        switch (reader) {
            case SMAPS:
                return StatsRegion.smapsFigures(space, base, regionBytes);
            case MINCORE:
                return StatsRegion.mincoreFigures(space, base, regionBytes);
            case RESIDENCY:
                return arena.residency();
            default:
                return arena.stats();
        }
    }

    /** The source {@code name} names. */
    static Source sourceOf(final String name) {
        switch (name) {
            case "stats":
                return Source.STATS;
            case "residency":
                return Source.RESIDENCY;
            case "smaps":
                return Source.SMAPS;
            case "mincore":
                return Source.MINCORE;
            default:
                throw new IllegalArgumentException("unknown source " + name + "; one of stats, residency, smaps, mincore");
        }
    }
}
