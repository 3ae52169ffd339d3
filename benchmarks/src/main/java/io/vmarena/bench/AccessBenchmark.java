package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.ArenaResidency;
import io.vmarena.HugePages;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * What reading and writing through a handle costs, against a raw pointer into the same memory.
 * A handle survives moves, an address does not, so code that keeps handles resolves one before
 * each burst of access; this suite prices that resolution. One operation resolves once, then
 * makes {@value #ACCESSES} 8-byte reads and {@value #ACCESSES} 8-byte writes at seeded offsets
 * inside one 1 KiB block, each write depending on the reads before it; the offsets move on with
 * every operation. By {@code access}:
 * <ul>
 *   <li>{@code handle}: {@code arena.address(handle)}, then Agrona's {@code UnsafeApi} at
 *       address plus offset (no bounds checks: the path for code that knows what it is doing);</li>
 *   <li>{@code view}: {@code arena.wrap(view, handle)} re-points an {@link UnsafeBuffer}
 *       flyweight, then its {@code getLong}/{@code putLong} (bounds-checked, like any Agrona
 *       buffer);</li>
 *   <li>{@code raw}: the baseline for {@code view}: an {@link UnsafeBuffer} wrapped once, at
 *       set-up, around the same block;</li>
 *   <li>{@code raw-address}: the baseline for {@code handle}: {@code UnsafeApi} at the block's
 *       address, taken once at set-up.</li>
 * </ul>
 * So handle/raw-address and view/raw are the price of a handle; raw against raw-address is
 * Agrona's bounds checks ({@code -Dagrona.disable.bounds.checks=true} removes them).
 *
 * <p>{@code RandomReads.randomRead} prices the TLB instead: {@value #RANDOM_READS} independent
 * 8-byte reads per operation (the score is per read; the CPU overlaps their misses), and
 * {@code RandomReads.randomReadChain} the same reads each waiting for the one before (the latency
 * of one read), at addresses spread over a 1 GiB arena, every page of it
 * written at set-up, taken from a precomputed pseudo-random sequence (nothing is allocated or
 * drawn in the measured loop), with the arena built with {@code hugePages} = {@code WANTED} (one
 * TLB entry per 2 MiB on x86-64) or {@code REFUSED} (one per 4 KiB page). Its own state, so
 * {@code access} does not multiply it and {@code hugePages} does not multiply {@code readWrite}.
 * Set-up fails when a WANTED arena got no huge pages (THP {@code never}, or no free huge page:
 * see {@code vmarena doctor}) and prints the huge-page bytes it got.
 *
 * <p>The arena is confined and checked (its defaults): resolving a handle checks the thread, the
 * handle's segment and its generation. {@code -jvmArgsPrepend -Dvmarena.disable.checks=true}
 * measures unchecked mode. Every mode goes through one abstract {@code Access}; only the
 * selected implementation is loaded in a fork, so the JIT binds the call statically.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar AccessBenchmark
 * java -jar benchmarks/target/benchmarks.jar AccessBenchmark -p access=handle,raw-address -jvmArgsPrepend -Dvmarena.disable.checks=true
 * java -jar benchmarks/target/benchmarks.jar 'AccessBenchmark.RandomReads'
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m"})
public class AccessBenchmark {
    static final int BLOCK_BYTES = 1024;
    static final int ACCESSES = 4;
    private static final int OFFSET_COUNT = 64; // a power of two: operations walk it with a mask
    private static final long SEED = 20261130L;
    static final int RANDOM_READS = 16;
    /** 1 GiB: many times what the TLB covers with 4 KiB pages, within its reach with 2 MiB ones. */
    static final long RANDOM_REGION_BYTES = 1L << 30;
    /** Addresses in the precomputed sequence: a power of two, walked with a mask. */
    private static final int RANDOM_ADDRESS_COUNT = 1 << 20;

    @Param({"handle", "view", "raw", "raw-address"})
    public String access;

    private Arena arena;
    private Access accessor;
    private int cursor;

    @Setup(Level.Trial)
    public void allocate() {
        arena = Arena.builder().name("access-benchmark").build();
        final long handle = arena.allocate(BLOCK_BYTES);
        final int[] offsets = offsets(SEED);
        switch (access) {
            case "handle":
                accessor = new HandleAccess(arena, handle, offsets);
                break;
            case "view":
                accessor = new ViewAccess(arena, handle, offsets);
                break;
            case "raw":
                accessor = new RawAccess(arena.address(handle), offsets);
                break;
            case "raw-address":
                accessor = new RawAddressAccess(arena.address(handle), offsets);
                break;
            default:
                throw new IllegalArgumentException("unknown access " + access + "; one of handle, view, raw, raw-address");
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        arena.close(); // no call moves the arena during the run: the raw addresses stayed valid
    }

    @Benchmark
    public long readWrite() {
        final int first = cursor;
        cursor = (first + 1) & (OFFSET_COUNT - 1);
        return accessor.readWrite(first);
    }

    /**
     * The random-read case: a 1 GiB arena with or without huge pages, written whole, and the
     * addresses to read. A class of its own, so that {@code access} does not multiply it (JMH
     * gives every benchmark method of a class that class's parameters).
     */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 2, jvmArgsAppend = {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m"})
    public static class RandomReads {
        @Param({"WANTED", "REFUSED"})
        public String hugePages;

        private Arena arena;
        long[] addresses;
        int cursor;

        @Setup(Level.Trial)
        public void touch() {
            final HugePages policy = HugePages.valueOf(hugePages);
            arena = Arena.builder().name("random-read-" + hugePages).hugePages(policy)
                .initialBytes(RANDOM_REGION_BYTES).maximumBytes(2 * RANDOM_REGION_BYTES).build();
            final long handle = arena.allocate(RANDOM_REGION_BYTES);
            final long base = arena.address(handle);
            // Every page written (zeros, which randomReadChain adds to its next address): resident
            // before the run, and no read meets the shared zero page.
            for (long offset = 0; offset < RANDOM_REGION_BYTES; offset += Long.BYTES) {
                UnsafeApi.putLong(base + offset, 0);
            }
            // Measured (one walk, at set-up): stats() reports 0 huge-page bytes, unwalked, where THP cannot be on.
            final ArenaResidency stats = arena.residency();
            System.out.println("randomRead set-up: hugePages=" + policy + ", hugePageBytes=" + stats.hugePageBytes()
                + " of residentBytes=" + stats.residentBytes());
            if (policy == HugePages.WANTED && stats.hugePageBytes() == 0) {
                arena.close();
                throw new IllegalStateException("hugePages=WANTED but the arena got no huge pages (AnonHugePages 0; "
                    + "THP mode and defrag: see vmarena doctor): the comparison would measure nothing");
            }
            if (policy == HugePages.REFUSED && stats.hugePageBytes() != 0) {
                arena.close();
                throw new IllegalStateException("hugePages=REFUSED but the arena got " + stats.hugePageBytes()
                    + " bytes of huge pages");
            }
            addresses = new long[RANDOM_ADDRESS_COUNT];
            final SplittableRandom random = new SplittableRandom(SEED);
            for (int i = 0; i < addresses.length; i++) {
                addresses[i] = base + random.nextLong(RANDOM_REGION_BYTES / Long.BYTES) * Long.BYTES;
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            arena.close(); // nothing moves the arena during the run: the addresses stayed valid
        }

        @Benchmark
        @OperationsPerInvocation(RANDOM_READS)
        public long randomRead() {
            final long[] sequence = addresses;
            int cursor = this.cursor;
            long sum = 0;
            for (int i = 0; i < RANDOM_READS; i++) {
                sum += UnsafeApi.getLong(sequence[cursor]);
                cursor = (cursor + 1) & (RANDOM_ADDRESS_COUNT - 1);
            }
            this.cursor = cursor;
            return sum;
        }

        /**
         * The same reads, each address depending on the value the read before it returned (always
         * 0, which the JIT cannot know): no two misses overlap, so this is the latency of a read,
         * page walk included, where {@link #randomRead} lets the CPU overlap them.
         */
        @Benchmark
        @OperationsPerInvocation(RANDOM_READS)
        public long randomReadChain() {
            final long[] sequence = addresses;
            int cursor = this.cursor;
            long value = 0;
            for (int i = 0; i < RANDOM_READS; i++) {
                value = UnsafeApi.getLong(sequence[cursor] + value);
                cursor = (cursor + 1) & (RANDOM_ADDRESS_COUNT - 1);
            }
            this.cursor = cursor;
            return value;
        }
    }

    /** {@link #OFFSET_COUNT} 8-byte-aligned offsets into the block, from a fixed seed. */
    static int[] offsets(final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int[] offsets = new int[OFFSET_COUNT + 2 * ACCESSES]; // a tail, so no index wraps in the loop
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = random.nextInt(BLOCK_BYTES / Long.BYTES) * Long.BYTES;
        }
        return offsets;
    }

    /**
     * One way to reach the block. {@code readWrite(first)} reads at {@code offsets[first + i]}
     * and writes the running sum at {@code offsets[first + ACCESSES + i]}, i below
     * {@value #ACCESSES}, and returns the sum.
     */
    abstract static class Access {
        final int[] offsets;

        Access(final int[] offsets) {
            this.offsets = offsets;
        }

        abstract long readWrite(int first);
    }

    static final class HandleAccess extends Access {
        private final Arena arena;
        private final long handle;

        HandleAccess(final Arena arena, final long handle, final int[] offsets) {
            super(offsets);
            this.arena = arena;
            this.handle = handle;
        }

        @Override
        long readWrite(final int first) {
            final long address = arena.address(handle);
            long sum = 0;
            for (int i = first; i < first + ACCESSES; i++) {
                sum += UnsafeApi.getLong(address + offsets[i]);
                UnsafeApi.putLong(address + offsets[i + ACCESSES], sum);
            }
            return sum;
        }
    }

    static final class ViewAccess extends Access {
        private final Arena arena;
        private final long handle;
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        ViewAccess(final Arena arena, final long handle, final int[] offsets) {
            super(offsets);
            this.arena = arena;
            this.handle = handle;
        }

        @Override
        long readWrite(final int first) {
            arena.wrap(view, handle);
            long sum = 0;
            for (int i = first; i < first + ACCESSES; i++) {
                sum += view.getLong(offsets[i]);
                view.putLong(offsets[i + ACCESSES], sum);
            }
            return sum;
        }
    }

    static final class RawAccess extends Access {
        private final UnsafeBuffer buffer;

        RawAccess(final long address, final int[] offsets) {
            super(offsets);
            buffer = new UnsafeBuffer(address, BLOCK_BYTES);
        }

        @Override
        long readWrite(final int first) {
            long sum = 0;
            for (int i = first; i < first + ACCESSES; i++) {
                sum += buffer.getLong(offsets[i]);
                buffer.putLong(offsets[i + ACCESSES], sum);
            }
            return sum;
        }
    }

    static final class RawAddressAccess extends Access {
        private final long address;

        RawAddressAccess(final long address, final int[] offsets) {
            super(offsets);
            this.address = address;
        }

        @Override
        long readWrite(final int first) {
            long sum = 0;
            for (int i = first; i < first + ACCESSES; i++) {
                sum += UnsafeApi.getLong(address + offsets[i]);
                UnsafeApi.putLong(address + offsets[i + ACCESSES], sum);
            }
            return sum;
        }
    }
}
