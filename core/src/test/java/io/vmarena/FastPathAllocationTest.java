package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fast path allocates nothing on the heap: the thread's allocated-bytes counter does not move
 * across a million allocate-free pairs of small blocks, alone or among a few hundred live blocks
 * of mixed sizes (Netty's approach: count bytes, never time anything).
 */
class FastPathAllocationTest {
    private static final int LIVE_BLOCKS = 256;
    private static final int ROUNDS = 1_000_000;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private SimulatedAddressSpace space;

    @BeforeEach
    void open() {
        space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
    }

    @AfterEach
    void close() {
        space.close();
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
            churn(arena, live, lengths, ROUNDS); // warm up: every class has its segment, the JIT has compiled

            final long before = threads.getCurrentThreadAllocatedBytes();
            final long calibration = threads.getCurrentThreadAllocatedBytes() - before;
            final long start = threads.getCurrentThreadAllocatedBytes();
            churn(arena, live, lengths, ROUNDS);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - start - calibration;

            assertEquals(0, allocated, "bytes allocated on the heap by " + ROUNDS + " rounds of allocate and free");
            for (final long handle : live) {
                arena.free(handle);
            }
        }
    }

    /** Each round: allocate and free 64 bytes, then replace one of the live blocks of mixed sizes. */
    private static void churn(final Arena arena, final long[] live, final long[] lengths, final int rounds) {
        for (int round = 0; round < rounds; round++) {
            arena.free(arena.allocate(64));
            final int index = round & (LIVE_BLOCKS - 1);
            if (live[index] != 0) {
                arena.free(live[index]);
            }
            live[index] = arena.allocate(lengths[(index * 31 + round) & (LIVE_BLOCKS - 1)]);
        }
    }
}
