package io.vmarena.bench;

import io.vmarena.CompactionResult;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.util.concurrent.TimeUnit;

/**
 * What evacuation gives back: a small-block cache of {@code cacheBytes} (mixed sizes 16 B to
 * 16 KiB, every byte written) churned down to a tenth of its blocks ({@link ChurnedCache}), then
 * one {@code Arena.compact()} with the default evacuation threshold (a quarter): the sparse
 * segments' live blocks are copied into the fullest segments of their class, the emptied
 * segments slide away and their memory goes back to the system.
 *
 * <p>Reported per compaction ({@link EvacuationCounters}): the arena's resident bytes before
 * and after (mincore over the arena's range), the live bytes and the target's allowance (live bytes plus a tenth, plus
 * one segment per size class in use), bytes copied, blocks and segments evacuated, slices and
 * the longest pause, and the time per MiB given back ({@code compact}). {@code slices} runs the
 * same compaction as {@code compactSlice()} calls and records every slice's pause in an
 * HdrHistogram ({@link PauseLog}), as {@link CompactionBenchmark} does. A single shot on a fresh cache built in
 * the iteration's set-up (not timed); the tear-down reads every live byte back through its old
 * handle (forwarded by the arena) and closes the arena. The times are the kernel's: on the
 * simulator the set-up fails with "skipped: ...".
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar EvacuationBenchmark
 * java -jar benchmarks/target/benchmarks.jar EvacuationBenchmark -p cacheBytes=67108864 -f 1 -i 3
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, batchSize = 1)
@Measurement(iterations = 10, batchSize = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m"})
public class EvacuationBenchmark {
    @Param({"268435456"})
    public long cacheBytes;

    private AddressSpace space;
    private ChurnedCache cache;
    private final PauseLog pauses = new PauseLog();

    @Setup(Level.Trial)
    public void choose() {
        space = AddressSpaces.system();
        if (space.capabilities().backend().equals("sim")) {
            throw new IllegalStateException("skipped: EvacuationBenchmark times the kernel, and the address space "
                + "here is the simulator (-Dvmarena.backend or no Linux backend)");
        }
    }

    @Setup(Level.Iteration)
    public void churn(final IterationParams iteration) {
        pauses.measuring(iteration.getType() == IterationType.MEASUREMENT);
        cache = ChurnedCache.build(space, cacheBytes);
    }

    @TearDown(Level.Iteration)
    public void check() {
        try {
            cache.check();
        } finally {
            cache.close();
            cache = null;
        }
    }

    @TearDown(Level.Trial)
    public void writePauses(final BenchmarkParams benchmark) {
        pauses.write(CompactionBenchmark.shortName(benchmark) + "-cacheBytes=" + cacheBytes);
    }

    /** One {@code compact()}: the time users see, and the time per MiB given back. */
    @Benchmark
    public CompactionResult compact(final EvacuationCounters counters) {
        final long start = System.nanoTime();
        final CompactionResult result = cache.arena().compact();
        counters.record(cache, result, System.nanoTime() - start);
        pauses.record(result.longestPause().toNanos());
        return result;
    }

    /** {@code compactSlice()} until complete: every slice's pause goes into the histogram. */
    @Benchmark
    public CompactionResult slices(final EvacuationCounters counters) {
        final CompactionCounters total = new CompactionCounters();
        CompactionResult first = null;
        CompactionResult result;
        long copiedBytes = 0;
        long evacuatedBlocks = 0;
        long evacuatedSegments = 0;
        long packedBytes = 0;
        long packedBlocks = 0;
        long packedSegments = 0;
        do {
            final long start = System.nanoTime();
            result = cache.arena().compactSlice();
            total.add(result, System.nanoTime() - start);
            pauses.record(result.longestPause().toNanos());
            first = first == null ? result : first;
            copiedBytes += result.copiedBytes();
            evacuatedBlocks += result.evacuatedBlocks();
            evacuatedSegments += result.evacuatedSegments();
            packedBytes += result.packedBytes();
            packedBlocks += result.packedBlocks();
            packedSegments += result.packedSegments();
        } while (!result.complete());
        final CompactionResult whole = new CompactionResult(total.movedBytes, copiedBytes, evacuatedBlocks,
            (int)evacuatedSegments, packedBytes, packedBlocks, (int)packedSegments, (int)total.runs, total.systemCalls, total.vmasMoved, first.vmasBefore(),
            result.vmasAfter(), first.reservedBytesBefore(), result.reservedBytesAfter(), first.committedBytesBefore(),
            result.committedBytesAfter(), first.residentBytesBefore(), result.residentBytesAfter(), (int)total.slices,
            java.time.Duration.ofNanos(total.longestPauseNanos), true);
        counters.record(cache, whole, total.callNanos);
        return whole;
    }
}
