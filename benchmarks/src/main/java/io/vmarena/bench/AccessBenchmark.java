package io.vmarena.bench;

import io.vmarena.Arena;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
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
 * <p>The arena is confined and checked (its defaults): resolving a handle checks the thread, the
 * handle's segment and its generation. {@code -jvmArgsPrepend -Dvmarena.disable.checks=true}
 * measures unchecked mode. Every mode goes through one abstract {@code Access}; only the
 * selected implementation is loaded in a fork, so the JIT binds the call statically.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar AccessBenchmark
 * java -jar benchmarks/target/benchmarks.jar AccessBenchmark -p access=handle,raw-address -jvmArgsPrepend -Dvmarena.disable.checks=true
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
