package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.ArenaStats;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Protection;
import org.agrona.BufferUtil;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.UnsafeApi;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What it costs to grow 64 MiB of written memory into a 1 GiB region, by {@code method}:
 * <ul>
 *   <li>{@code move}: a vmarena {@link Arena} of 64 MiB ({@code inPlaceGrowth(false)}, so every
 *       growth reserves a new range and moves the arena there with mremap, without copying),
 *       whose one 64 MiB block is written; then blocks of 64, 128, 256 and 512 MiB, each of
 *       which needs the arena to double; a growth that has to move reserves four times the range,
 *       so it grows 64, 256, 1,024 MiB, in two moves. The allocations also
 *       commit (mprotect) the new segments; nothing touches them.</li>
 *   <li>{@code agrona-expandable}: Agrona's {@link ExpandableDirectByteBuffer} of 64 MiB,
 *       written, then {@code putByte(1 GiB - 1)}: it allocates a direct buffer of 1.5^7 x 64 MiB
 *       (1,093.5 MiB, its growth policy, in one step), which the JDK zeroes, and copies the 64 MiB
 *       across.</li>
 *   <li>{@code copy}: what a copying allocator does: map a fresh 1 GiB (mmap through vmarena's
 *       {@link AddressSpace}), copy the 64 MiB into it ({@code UnsafeApi.copyMemory}), unmap the
 *       old 64 MiB. Only the copied pages of the new region are touched.</li>
 * </ul>
 * A growth changes the state it measures, so each one is a single shot ({@link Mode#SingleShotTime},
 * one growth an iteration, JMH sample 26) from a fresh, written 64 MiB made in the iteration's
 * set-up; the tear-down checks the result (the arena reserved 1 GiB in two moves, the first
 * block still holds what was written) and frees everything, so no run holds more than about
 * 1.2 GiB. {@code move}/{@code copy} is the speed-up of moving over copying.
 *
 * <p>The times are the kernel's: a combination that would run on the simulator fails its
 * set-up with "skipped: ...".
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar GrowthBenchmark
 * java -jar benchmarks/target/benchmarks.jar GrowthBenchmark -p method=move,copy -i 30
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, batchSize = 1)
@Measurement(iterations = 15, batchSize = 1)
@Fork(value = 2,
    // agrona-expandable holds 64 MiB and 1,093.5 MiB of direct buffers at once; the default limit is -Xmx.
    jvmArgsPrepend = "-XX:MaxDirectMemorySize=2g",
    jvmArgsAppend = {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m"})
public class GrowthBenchmark {
    static final long INITIAL_BYTES = 64L << 20;
    static final long TARGET_BYTES = 1L << 30;
    private static final byte WRITTEN = 1;

    @Param({"move", "agrona-expandable", "copy"})
    public String method;

    private AddressSpace space;
    private Growth growth;

    @Setup(Level.Trial)
    public void choose() {
        space = AddressSpaces.system();
        if (space.capabilities().backend().equals("sim")) {
            throw new IllegalStateException("skipped: GrowthBenchmark times the kernel, and the address space here "
                + "is the simulator (-Dvmarena.backend or no Linux backend)");
        }
        switch (method) {
            case "move":
                growth = new MoveGrowth(space);
                break;
            case "agrona-expandable":
                growth = new ExpandableGrowth();
                break;
            case "copy":
                growth = new CopyGrowth(space);
                break;
            default:
                throw new IllegalArgumentException("unknown method " + method + "; one of move, agrona-expandable, copy");
        }
    }

    @Setup(Level.Iteration)
    public void populate() {
        growth.populate();
    }

    @TearDown(Level.Iteration)
    public void release() {
        growth.release();
    }

    @Benchmark
    public long grow() {
        return growth.grow();
    }

    /** One way to grow: written 64 MiB in {@link #populate}, 1 GiB after {@link #grow}. */
    abstract static class Growth {
        /** Makes a fresh region of {@link #INITIAL_BYTES}, every byte written. */
        abstract void populate();

        /** Grows it to {@link #TARGET_BYTES} at least; returns something of the result. */
        abstract long grow();

        /** Checks the grown region and frees it. */
        abstract void release();

        static void check(final boolean condition, final String what) {
            if (!condition) {
                throw new IllegalStateException("GrowthBenchmark measured something else: " + what);
            }
        }
    }

    static final class MoveGrowth extends Growth {
        private final AddressSpace space;
        private Arena arena;
        private long firstHandle;

        MoveGrowth(final AddressSpace space) {
            this.space = space;
        }

        @Override
        void populate() {
            arena = Arena.builder().name("growth-benchmark").addressSpace(space).initialBytes(INITIAL_BYTES)
                .maximumBytes(2 * TARGET_BYTES).inPlaceGrowth(false).build();
            firstHandle = arena.allocate(INITIAL_BYTES);
            UnsafeApi.setMemory(arena.address(firstHandle), INITIAL_BYTES, WRITTEN);
        }

        @Override
        long grow() {
            long handle = 0;
            for (long reservedBytes = INITIAL_BYTES; reservedBytes < TARGET_BYTES; reservedBytes *= 2) {
                handle = arena.allocate(reservedBytes); // fills the arena: the next one doubles it
            }
            return handle;
        }

        @Override
        void release() {
            final ArenaStats stats = arena.stats();
            // A growth that moves reserves four times the range: 64 -> 256 -> 1,024 MiB, two moves.
            final long expectedMoves = Long.numberOfTrailingZeros(TARGET_BYTES / INITIAL_BYTES) / 2;
            check(stats.reservedBytes() == TARGET_BYTES && stats.moves() == expectedMoves
                && stats.grows() == expectedMoves,
                "the arena reserved " + stats.reservedBytes() + " bytes in " + stats.moves() + " moves, not "
                    + TARGET_BYTES + " in " + expectedMoves);
            check(UnsafeApi.getByte(arena.address(firstHandle) + INITIAL_BYTES - 1) == WRITTEN,
                "the first block lost its contents");
            arena.close();
        }
    }

    static final class ExpandableGrowth extends Growth {
        private ExpandableDirectByteBuffer buffer;
        private ByteBuffer initial;

        @Override
        void populate() {
            buffer = new ExpandableDirectByteBuffer((int)INITIAL_BYTES);
            initial = buffer.byteBuffer();
            buffer.setMemory(0, (int)INITIAL_BYTES, WRITTEN);
        }

        @Override
        long grow() {
            buffer.putByte((int)(TARGET_BYTES - 1), WRITTEN);
            return buffer.addressOffset();
        }

        @Override
        void release() {
            check(buffer.capacity() >= TARGET_BYTES && buffer.byteBuffer() != initial,
                "the buffer did not grow to 1 GiB: capacity " + buffer.capacity());
            check(buffer.getByte((int)INITIAL_BYTES - 1) == WRITTEN, "the buffer lost its contents");
            // Both buffers now, not at the next GC: the next iteration needs the direct memory.
            BufferUtil.free(buffer.byteBuffer());
            BufferUtil.free(initial);
            buffer = null;
            initial = null;
        }
    }

    static final class CopyGrowth extends Growth {
        private final AddressSpace space;
        private long source;
        private long destination;

        CopyGrowth(final AddressSpace space) {
            this.space = space;
        }

        @Override
        void populate() {
            source = space.map(0, INITIAL_BYTES, Protection.READ_WRITE, MapFlags.NONE);
            UnsafeApi.setMemory(source, INITIAL_BYTES, WRITTEN);
        }

        @Override
        long grow() {
            destination = space.map(0, TARGET_BYTES, Protection.READ_WRITE, MapFlags.NONE);
            UnsafeApi.copyMemory(source, destination, INITIAL_BYTES);
            space.unmap(source, INITIAL_BYTES);
            source = 0;
            return destination;
        }

        @Override
        void release() {
            check(source == 0 && UnsafeApi.getByte(destination + INITIAL_BYTES - 1) == WRITTEN,
                "the copy did not happen");
            space.unmap(destination, TARGET_BYTES);
            destination = 0;
        }
    }
}
