package io.vmarena;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Opening and closing read sections allocates nothing on the heap once a thread has used the
 * arena: the thread's allocated-bytes counter does not move across a million rounds of a single
 * section, nested sections closed in order, and nested sections closed outer first (counted,
 * never timed, like {@link FastPathAllocationTest}).
 */
@SuppressWarnings("try") // sections are held for their effect, not referenced
class ReadSectionAllocationTest extends SimulatorFixture {
    private static final int ROUNDS = 1_000_000;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    @ParameterizedTest
    @EnumSource(Threading.class)
    void shouldAllocateNothingOnTheHeapToOpenAndCloseSections(final Threading threading) {
        try (Arena arena = Arena.builder().addressSpace(space).threading(threading).build()) {
            final long handle = arena.allocate(64);
            long checksum = sections(arena, handle, ROUNDS); // warm up: the JIT has compiled

            final long before = threads.getCurrentThreadAllocatedBytes();
            final long calibration = threads.getCurrentThreadAllocatedBytes() - before;
            final long start = threads.getCurrentThreadAllocatedBytes();
            checksum += sections(arena, handle, ROUNDS);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - start - calibration;

            assertEquals(0, allocated, "bytes allocated on the heap by " + ROUNDS + " rounds of read sections");
            assertEquals(2L * 3 * ROUNDS * arena.address(handle), checksum);
        }
    }

    /** Each round: one section; two closed inner first; two closed outer first. */
    private static long sections(final Arena arena, final long handle, final int rounds) {
        long checksum = 0;
        for (int round = 0; round < rounds; round++) {
            try (ReadSection section = arena.read()) {
                checksum += arena.address(handle);
            }
            try (ReadSection outer = arena.read(); ReadSection inner = arena.read()) {
                checksum += arena.address(handle);
            }
            final ReadSection outer = arena.read();
            final ReadSection inner = arena.read();
            checksum += arena.address(handle);
            outer.close();
            inner.close();
            outer.close();
        }
        return checksum;
    }
}
