package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.Threading;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceValuesTest {
    private static final int KEYS = 256;

    @Test
    void shouldAllocateNothingOnTheHeapWhileServingReadsInASharedArena() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
             Arena arena = Arena.builder().addressSpace(space).threading(Threading.SHARED).build()) {
            final ServiceValues values = new ServiceValues(arena, KEYS, 0);
            values.fill(new SplittableRandom(1), 64, 4096);
            final SplittableRandom requests = new SplittableRandom(2);
            for (int i = 0; i < 100_000; i++) { // compiled, and the thread's section object made
                values.serve(requests);
            }
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1_000_000; i++) {
                values.serve(requests);
            }
            final long allocatedBytes = threads.getCurrentThreadAllocatedBytes() - before;

            assertEquals(0, allocatedBytes, "bytes allocated across a million checked reads");
            assertEquals(1_100_000, values.reads());
            assertEquals(0, values.mismatches());
        }
    }

    @Test
    void shouldFindOneDamagedByteInOneValueAndNameItsKey() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
             Arena arena = Arena.builder().addressSpace(space).threading(Threading.CONFINED).build()) {
            final ServiceValues values = new ServiceValues(arena, KEYS, 50);
            values.fill(new SplittableRandom(1), 64, 4096);
            final SplittableRandom requests = new SplittableRandom(2);
            for (int i = 0; i < 1000; i++) {
                values.serve(requests);
            }
            values.verifyAll();
            assertEquals(0, values.mismatches());
            assertNull(values.firstMismatch());
            assertEquals(1000 + KEYS, values.reads() + values.writes());
            assertTrue(values.writes() > 400 && values.writes() < 600, "about half replaced: " + values.writes());

            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            arena.wrap(view, values.handle(17));
            view.putByte(63, (byte)~view.getByte(63));
            values.verifyAll();

            assertEquals(1, values.mismatches());
            assertTrue(values.firstMismatch().startsWith("key 17 (version "), values.firstMismatch());
        }
    }
}
