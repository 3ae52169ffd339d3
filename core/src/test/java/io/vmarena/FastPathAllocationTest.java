package io.vmarena;

import io.vmarena.support.CountingAddressSpace;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path allocates nothing on the heap: the thread's allocated-bytes counter does not move
 * across a million allocate-free pairs of small blocks, alone or among a few hundred live blocks
 * of mixed sizes, each block resolved with address, capacity and wrap, and a run's too (Netty's
 * approach: count bytes, never time anything); and the address space sees no call meanwhile.
 */
class FastPathAllocationTest {
    private static final int LIVE_BLOCKS = 256;
    private static final int ROUNDS = 1_000_000;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private SimulatedAddressSpace simulator;
    private CountingAddressSpace space;

    @BeforeEach
    void open() {
        simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
        space = new CountingAddressSpace(simulator);
    }

    @AfterEach
    void close() {
        simulator.close();
    }

    /**
     * The fast paths of free and address compare a handle's high bits with the arena's tag and
     * the block's generation in one go; a wrong tag there sends every call down the slow path,
     * which gives the same answers (so no other test notices) at twice the cost.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void shouldResolveEveryLiveSmallBlockOnTheFastPathInEveryArena(final Threading threading) {
        final Arena[] arenas = new Arena[3]; // tags 0, 1, 2 of the default width
        try {
            for (int index = 0; index < arenas.length; index++) {
                arenas[index] = Arena.builder().addressSpace(space).threading(threading).build();
            }
            for (final Arena arena : arenas) {
                for (long lengthBytes = 1; lengthBytes <= (512L << 10); lengthBytes = lengthBytes * 3 + 1) {
                    final long handle = arena.allocate(lengthBytes);
                    assertTrue(arena.resolvesOnFastPath(handle), "a live block of " + lengthBytes
                        + " bytes in arena '" + arena.name() + "' must resolve on the fast path");
                    arena.free(handle);
                    assertFalse(arena.resolvesOnFastPath(handle), "a freed block must not resolve on the fast path");
                }
            }
        } finally {
            for (final Arena arena : arenas) {
                if (arena != null) {
                    arena.close();
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Threading.class)
    void shouldAllocateNothingOnTheHeapToAllocateAndFreeSmallBlocks(final Threading threading) {
        try (Arena arena = Arena.builder().addressSpace(space).threading(threading).build()) {
            final long[] lengths = new long[LIVE_BLOCKS];
            final SplittableRandom random = new SplittableRandom(3);
            for (int index = 0; index < LIVE_BLOCKS; index++) {
                lengths[index] = 16 + random.nextInt(4096);
            }
            final long[] live = new long[LIVE_BLOCKS];
            final long run = arena.allocate(4L << 20);
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            long checksum = churn(arena, live, lengths, ROUNDS, run, view); // warm up: segments taken, JIT compiled

            final long before = threads.getCurrentThreadAllocatedBytes();
            final long calibration = threads.getCurrentThreadAllocatedBytes() - before;
            final long systemCalls = space.systemCalls();
            final long start = threads.getCurrentThreadAllocatedBytes();
            checksum += churn(arena, live, lengths, ROUNDS, run, view);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - start - calibration;
            assertEquals(systemCalls, space.systemCalls(), "system calls made by " + ROUNDS + " rounds");

            assertEquals(0, allocated, "bytes allocated on the heap by " + ROUNDS + " rounds of allocate, "
                + "address, capacity, wrap and free (checksum " + checksum + ")");
            for (final long handle : live) {
                arena.free(handle);
            }
            arena.free(run);
        }
    }

    /**
     * put and get, from arrays and buffers, into small blocks and a run: no heap allocation and
     * no system call once the thread has used the arena (its first section of a shared arena
     * makes the thread's section objects). The address space hides the copies' writes and reads
     * from the simulator, as the CPU hides them on Linux: the simulator's own bookkeeping of
     * faults allocates, and it is not the arena's.
     */
    @ParameterizedTest
    @EnumSource(Threading.class)
    void shouldAllocateNothingOnTheHeapToCopyInAndOutOfBlocks(final Threading threading) {
        final io.vmarena.vm.AddressSpace faultsUnseen = new io.vmarena.vm.ForwardingAddressSpace(space) {
            @Override
            public void written(final long address, final long lengthBytes) {
            }

            @Override
            public void read(final long address, final long lengthBytes) {
            }
        };
        try (Arena arena = Arena.builder().addressSpace(faultsUnseen).threading(threading).build()) {
            final long small = arena.allocate(200);
            final long run = arena.allocate(4L << 20);
            final byte[] array = new byte[200];
            final UnsafeBuffer buffer = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(200));
            long checksum = copy(arena, small, run, array, buffer, ROUNDS / 10); // warm up

            final long before = threads.getCurrentThreadAllocatedBytes();
            final long calibration = threads.getCurrentThreadAllocatedBytes() - before;
            final long systemCalls = space.systemCalls();
            final long start = threads.getCurrentThreadAllocatedBytes();
            checksum += copy(arena, small, run, array, buffer, ROUNDS / 10);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - start - calibration;

            assertEquals(systemCalls, space.systemCalls(), "system calls made by put and get");
            assertEquals(0, allocated, "bytes allocated on the heap by put and get (checksum " + checksum + ")");
        }
    }

    private static long copy(final Arena arena, final long small, final long run, final byte[] array,
        final UnsafeBuffer buffer, final int rounds) {
        long checksum = 0;
        for (int round = 0; round < rounds; round++) {
            array[round % array.length]++;
            arena.put(small, 0, array, 0, array.length);
            arena.get(run, round & 4095, buffer, 0, 200);
            arena.put(run, round & 4095, array, 1, 100);
            arena.get(small, 0, array, 0, array.length);
            arena.put(small, 0, buffer, 0, 200);
            checksum += array[round % array.length] + buffer.getByte(round % 200);
        }
        return checksum;
    }

    /**
     * Each round: allocate, resolve and free 64 bytes, then replace one of the live blocks of
     * mixed sizes and resolve it and the run; returns a sum of what was resolved, so that none
     * of it is dead code.
     */
    private static long churn(final Arena arena, final long[] live, final long[] lengths, final int rounds,
        final long run, final UnsafeBuffer view) {
        long checksum = 0;
        for (int round = 0; round < rounds; round++) {
            final long handle = arena.allocate(64);
            checksum += arena.address(handle);
            arena.free(handle);
            final int index = round & (LIVE_BLOCKS - 1);
            if (live[index] != 0) {
                arena.free(live[index]);
            }
            live[index] = arena.allocate(lengths[(index * 31 + round) & (LIVE_BLOCKS - 1)]);
            checksum += arena.address(live[index]) + arena.capacity(live[index]);
            arena.wrap(view, live[index]);
            checksum += view.capacity() + arena.address(run) + arena.capacity(run);
        }
        return checksum;
    }
}
