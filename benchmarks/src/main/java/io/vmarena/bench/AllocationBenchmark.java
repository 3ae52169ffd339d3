package io.vmarena.bench;

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
import org.openjdk.jmh.infra.Blackhole;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * What an allocation costs: allocate and free of one off-heap block, by {@code allocator},
 * against the peers a user would otherwise pick.
 * <ul>
 *   <li>{@code vmarena-confined}, {@code vmarena-shared}: an {@link io.vmarena.Arena} of either
 *       {@link io.vmarena.Threading}, never grown during the run ({@link ArenaContender}).</li>
 *   <li>{@code netty-pooled}, {@code netty-adaptive}: Netty's {@code PooledByteBufAllocator} and
 *       {@code AdaptiveByteBufAllocator}, {@code directBuffer(length)} then {@code release()}, with
 *       per-thread caches and no leak detection ({@link NettyContender}).</li>
 *   <li>{@code allocate-direct}: {@code ByteBuffer.allocateDirect}, freed at once by running its
 *       Cleaner (Agrona's {@code BufferUtil.free}), not left to the GC ({@link DirectBufferContender}).</li>
 *   <li>{@code unsafe}: {@code Unsafe.allocateMemory}/{@code freeMemory} through Agrona's
 *       {@code UnsafeApi} ({@link UnsafeContender}).</li>
 *   <li>{@code ffm-confined}: a confined FFM arena per block, on JDK 22+ only; on an older JDK its
 *       set-up fails with "skipped: ffm-confined needs JDK 22+, running on 17" and the run goes
 *       on ({@link FfmContender}).</li>
 * </ul>
 *
 * <p>{@code allocateAndFree} allocates one block of {@code sizeBytes} and frees it at once: the
 * fast path, always on a warm cache. {@code mixed} is closer to a cache under churn: a ring of
 * {@value #RING_SLOTS} live blocks; each operation frees the oldest and allocates a new one of a
 * size drawn from a fixed, seeded distribution, 16 B to 16 KiB skewed small (median about 90 B,
 * see {@link MixedSizes}), so the allocator sees every size class, partly free segments and
 * reuse out of order. Times are per operation (one free and one allocation).
 *
 * <p>vmarena's fast path allocates nothing on the heap: {@code -prof gc} shows
 * {@code gc.alloc.rate.norm} of about 0 B/op for {@code vmarena-confined}, like {@code unsafe};
 * {@code allocate-direct} leaves its buffer, Cleaner and deallocator behind on every operation.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar AllocationBenchmark
 * java -jar benchmarks/target/benchmarks.jar AllocationBenchmark -p allocator=vmarena-confined -prof gc
 * java -jar benchmarks/target/benchmarks.jar AllocationBenchmark.mixed -p allocator=ffm-confined -jvm /path/to/jdk-22+/bin/java
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m"})
public class AllocationBenchmark {
    /** Live blocks in {@code mixed}'s ring: a few hundred, as a small cache would hold. */
    static final int RING_SLOTS = 256;

    /** The allocator under test, one per thread (a confined arena allows no other). */
    @State(Scope.Thread)
    public static class Allocator {
        @Param({"vmarena-confined", "vmarena-shared", "netty-pooled", "netty-adaptive", "allocate-direct", "unsafe",
            "ffm-confined"})
        public String allocator;

        Contender contender;

        @Setup(Level.Trial)
        public void open() {
            contender = Contender.of(allocator);
        }

        @TearDown(Level.Trial)
        public void close() {
            if (contender != null) {
                contender.close();
            }
        }
    }

    /** The block size of {@code allocateAndFree}; {@code mixed} draws its own. */
    @State(Scope.Thread)
    public static class Size {
        @Param({"64", "1024", "16384"})
        public int sizeBytes;
    }

    /**
     * {@code mixed}'s ring, filled before the first measurement; the oldest block goes first. It
     * reaches the allocator only through its set-up: JMH 1.37 gives a benchmark method that takes
     * a state both directly and through another state's set-up two instances of it.
     */
    @State(Scope.Thread)
    public static class Ring {
        private final int[] sizes = MixedSizes.draw(MixedSizes.SEED, MixedSizes.COUNT);
        private Contender contender;
        private int slot;
        private int next;

        @Setup(Level.Trial)
        public void fill(final Allocator allocator) {
            contender = allocator.contender;
            contender.ring(RING_SLOTS);
            for (int i = 0; i < RING_SLOTS; i++) {
                replace();
            }
        }

        void replace() {
            contender.replace(slot, sizes[next]);
            slot = slot + 1 == RING_SLOTS ? 0 : slot + 1;
            next = (next + 1) & (sizes.length - 1);
        }
    }

    @Benchmark
    public void allocateAndFree(final Allocator allocator, final Size size, final Blackhole blackhole) {
        allocator.contender.allocateAndFree(size.sizeBytes, blackhole);
    }

    @Benchmark
    public void mixed(final Ring ring) {
        ring.replace();
    }

    /** The seeded size distribution of {@code mixed}. */
    static final class MixedSizes {
        static final long SEED = 20261130L;
        static final int COUNT = 1 << 12; // sizes, a power of two: the ring walks them with a mask
        static final int MINIMUM_BYTES = 16;
        static final int MAXIMUM_BYTES = 16 << 10;

        private MixedSizes() {
        }

        /**
         * {@code count} sizes, {@code 16 * 1024^(u*u)} bytes for u uniform in [0, 1): log-scale
         * with its mass near the small end, as the keys, values and messages of a cache are. The
         * default seed's 4,096 sizes: a quarter up to 25 B, half up to 90 B, three quarters up to
         * 967 B, nine in ten up to 4.6 KiB; mean 1,369 B, so the ring holds about 340 KiB.
         */
        static int[] draw(final long seed, final int count) {
            final SplittableRandom random = new SplittableRandom(seed);
            final double ratio = (double)MAXIMUM_BYTES / MINIMUM_BYTES;
            final int[] sizes = new int[count];
            for (int i = 0; i < count; i++) {
                final double u = random.nextDouble();
                sizes[i] = (int)Math.min(MAXIMUM_BYTES, Math.round(MINIMUM_BYTES * Math.pow(ratio, u * u)));
            }
            return sizes;
        }
    }
}
