package io.vmarena.bench;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What pinning costs, by {@code mode} ({@link PinRegion}): {@code onfault} ({@code Arena.pin()},
 * {@code mlock2(MLOCK_ONFAULT)}), {@code mlock} (the same call locking with plain mlock, which
 * faults in every page: an arena built with {@code pinFallback(MLOCK)} on an address space that
 * hides MLOCK_ONFAULT) and {@code none}. Huge pages are refused on the arenas' memory
 * ({@code MADV_NOHUGEPAGE}), so a page is a page whatever the THP mode.
 * <ul>
 *   <li>{@code pin} (µs): pinning an arena of {@code regionBytes} (1 GiB, 16 GiB) whose memory is
 *       committed (one block of {@code regionBytes}) and untouched. With {@code none} nothing is
 *       called: the harness's own cost. Target: 16 GiB with MLOCK_ONFAULT in at most 1 ms.</li>
 *   <li>{@code firstTouch} (µs per page): writing one byte into each of {@value #TOUCHED_PAGES}
 *       fresh pages (a page-size stride) of a region pinned with MLOCK_ONFAULT, of an unpinned
 *       one, and of one plain mlock populated (no fault left to take). Target: MLOCK_ONFAULT
 *       within 10% of unpinned.</li>
 * </ul>
 * Before the first iteration, {@value #WARM_UP_PINS} small arenas are pinned
 * ({@link PinRegion#warmUp}), so that the measured pins run compiled code: a pin's Java side walks the arena's segments (8,192
 * for 16 GiB), about 1 ms interpreted, where the kernel's mlock2 takes microseconds; a JVM's
 * first pin also loads classes (tens of ms). An application that pins once at start-up pays that.
 *
 * <p>A pin and a first touch change the state they measure, so each is a single shot (JMH sample
 * 26) on a fresh region built in the iteration's set-up, outside the measurement; the tear-down
 * checks what the pin did (the arena's pin state and pinned bytes, VmLck grown by exactly those,
 * the resident bytes: none before a touch with MLOCK_ONFAULT, all with plain mlock) and unmaps
 * the region. Plain mlock of 16 GiB makes 16 GiB resident: one fork, a small heap, and a set-up
 * that skips (with the reason) a size the machine's MemAvailable or memlock limit cannot hold. The
 * times are the kernel's and the arena's: on the simulator the set-up fails with "skipped: ...".
 * A fault costs what the machine's load lets it (1.5 to 3.5 us a page on a busy 2-core VM): on
 * a shared machine compare {@code onfault} with {@code none} in the order none, onfault, onfault,
 * none (JMH runs the values as given, one fork each), so that a drift of the load cancels out.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PinBenchmark -rf json -rff reports/pin/results.json
 * java -jar benchmarks/target/benchmarks.jar PinBenchmark.pin -p mode=onfault -p regionBytes=17179869184
 * java -jar benchmarks/target/benchmarks.jar PinBenchmark.firstTouch -p mode=none,onfault,onfault,none
 * java -jar benchmarks/target/benchmarks.jar pin-report --out reports/pin reports/pin/results.json
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m"})
public class PinBenchmark {
    /** Pages {@code firstTouch} writes per invocation: 64 MiB of 4 KiB pages, 1 GiB of 64 KiB ones. */
    static final int TOUCHED_PAGES = 16_384;
    /** Small pins made before the first iteration, so the measured ones run compiled code ({@link PinRegion#warmUp}). */
    static final int WARM_UP_PINS = 1_000;

    @Param({"onfault", "mlock", "none"})
    public String mode;

    AddressSpace space;

    @Setup(Level.Trial)
    public void choose() {
        PinRegion.checkMode(mode);
        space = AddressSpaces.system();
        if (space.capabilities().backend().equals("sim")) {
            throw new IllegalStateException("skipped: PinBenchmark times the kernel, and the address space here is "
                + "the simulator (-Dvmarena.backend or no Linux backend)");
        }
        PinRegion.warmUp(space, WARM_UP_PINS);
    }

    /** {@code pin}'s region: {@code regionBytes} committed and untouched, fresh for every pin. */
    @State(Scope.Thread)
    public static class Region {
        @Param({"1073741824", "17179869184"})
        public long regionBytes;

        PinRegion region;

        @Setup(Level.Iteration)
        public void build(final PinBenchmark benchmark) {
            final String refusal = PinRegion.cannotPin(benchmark.space.capabilities(), benchmark.mode, regionBytes);
            if (refusal != null) {
                throw new IllegalStateException("skipped: " + refusal);
            }
            region = PinRegion.build(benchmark.space, benchmark.mode, regionBytes);
        }

        @TearDown(Level.Iteration)
        public void check() {
            if (region == null) {
                return; // skipped
            }
            try {
                region.check();
            } finally {
                region.close();
                region = null;
            }
        }
    }

    /** {@code firstTouch}'s region: {@value #TOUCHED_PAGES} pages, pinned (or not) in the set-up, untouched. */
    @State(Scope.Thread)
    public static class Touched {
        PinRegion region;

        @Setup(Level.Iteration)
        public void build(final PinBenchmark benchmark) {
            final long regionBytes = TOUCHED_PAGES * benchmark.space.pageSize();
            final String refusal = PinRegion.cannotPin(benchmark.space.capabilities(), benchmark.mode, regionBytes);
            if (refusal != null) {
                throw new IllegalStateException("skipped: " + refusal);
            }
            region = PinRegion.build(benchmark.space, benchmark.mode, regionBytes);
            region.pin();
        }

        @TearDown(Level.Iteration)
        public void check() {
            if (region == null) {
                return;
            }
            try {
                region.check();
            } finally {
                region.close();
                region = null;
            }
        }
    }

    /** One pin of a fresh region of {@code regionBytes}. */
    @Benchmark
    @Warmup(iterations = 3, batchSize = 1)
    @Measurement(iterations = 10, batchSize = 1)
    public long pin(final Region region) {
        return region.region.pin();
    }

    /** {@value #TOUCHED_PAGES} first touches of a fresh region, reported per page. */
    @Benchmark
    @OperationsPerInvocation(TOUCHED_PAGES)
    @Warmup(iterations = 10, batchSize = 1)
    @Measurement(iterations = 30, batchSize = 1)
    public long firstTouch(final Touched touched) {
        return touched.region.touch(TOUCHED_PAGES);
    }
}
