package io.vmarena.bench;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
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

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What it costs to find the VMA boundaries of a range, the step that per-VMA moves on kernels
 * before 6.17 pay before they move anything: {@code /proc/self/maps} (priced per VMA of the
 * whole process), the {@code PROCMAP_QUERY} ioctl (per VMA in the range), or
 * {@code /proc/self/smaps} (adds lock flags and residency; what COPY and {@code maps} read).
 *
 * <p>The range holds {@code vmaCount} VMAs of one page each, alternating rw- and r--. Discovery
 * only reads, so one set-up serves every invocation.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar DiscoveryBenchmark -p source=PROC_MAPS,PROCMAP_QUERY
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED")
public class DiscoveryBenchmark {
    @Param({"PROC_MAPS", "PROCMAP_QUERY", "SMAPS"})
    public String source;

    @Param({"1", "16", "256"})
    public int vmaCount;

    private AddressSpace space;
    private MappingSource mappingSource;
    private long rangeAddress;
    private long rangeBytes;

    @Setup(Level.Trial)
    public void mapRange() {
        space = AddressSpaces.system();
        mappingSource = MappingSource.valueOf(source);
        if (mappingSource == MappingSource.PROCMAP_QUERY && !space.capabilities().procmapQuery().available()) {
            throw new IllegalStateException("skipped: " + space.capabilities().procmapQuery().reason());
        }
        final long pageSize = space.pageSize();
        rangeBytes = vmaCount * pageSize;
        rangeAddress = space.map(0, rangeBytes, Protection.READ_WRITE, MapFlags.NONE);
        for (int i = 1; i < vmaCount; i += 2) {
            space.protect(rangeAddress + i * pageSize, pageSize, Protection.READ);
        }
        final int found = space.mappings(rangeAddress, rangeAddress + rangeBytes, mappingSource).size();
        if (found != vmaCount) {
            throw new IllegalStateException("expected " + vmaCount + " VMAs, found " + found);
        }
    }

    @TearDown(Level.Trial)
    public void unmapRange() {
        space.unmap(rangeAddress, rangeBytes);
    }

    @Benchmark
    public List<Mapping> discover() {
        return space.mappings(rangeAddress, rangeAddress + rangeBytes, mappingSource);
    }
}
