package io.vmarena;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * populate(), and a pin that falls back to plain mlock, make memory resident in bulk: past the
 * memory the system has available the OOM killer would end the JVM, which nothing a caller does
 * may cause. Both refuse, say why, and leave the arena as it was.
 */
class PopulateMemoryGuardTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldNotPopulateMoreThanTheSystemHasAvailable() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final ScarceMemory space = new ScarceMemory(simulator, 2 * SEGMENT_BYTES);
            try (Arena arena = Arena.builder().addressSpace(space).name("scarce").segmentBytes(SEGMENT_BYTES)
                .initialBytes(16 * SEGMENT_BYTES).build()) {
                arena.allocate(8 * SEGMENT_BYTES);

                final PopulateResult refused = arena.populate();

                assertEquals(PopulateResult.Method.NONE, refused.method(), refused.reason());
                assertEquals(0, refused.populatedBytes());
                assertEquals(refused.residentBytesBefore(), refused.residentBytesAfter(), "nothing made resident");
                assertTrue(refused.reason().contains("MemAvailable") && refused.reason().contains("OOM killer"),
                    refused.reason());

                space.availableBytes = Long.MAX_VALUE;
                final PopulateResult populated = arena.populate();
                assertEquals(PopulateResult.Method.POPULATE_WRITE, populated.method(), populated.reason());
                assertEquals(8 * SEGMENT_BYTES, populated.populatedBytes());
            }
        }
    }

    @Test
    void shouldNotPinWithPlainMlockMoreThanTheSystemHasAvailable() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withLockOnFault(false).withMemlock(KernelProfile.UNLIMITED))) {
            final ScarceMemory space = new ScarceMemory(simulator, 2 * SEGMENT_BYTES);
            try (Arena arena = Arena.builder().addressSpace(space).name("scarce-mlock").segmentBytes(SEGMENT_BYTES)
                .initialBytes(16 * SEGMENT_BYTES).pinFallback(PinFallback.MLOCK).build()) {
                arena.allocate(8 * SEGMENT_BYTES);

                final PinStatus refused = arena.pin();

                assertEquals(PinState.REFUSED, refused.state(), refused.reason());
                assertEquals(0, simulator.lockedBytes());
                assertTrue(refused.reason().contains("MemAvailable"), refused.reason());

                space.availableBytes = Long.MAX_VALUE;
                assertEquals(PinState.PINNED, arena.pin().state());
                assertEquals(8 * SEGMENT_BYTES, simulator.lockedBytes());
            }
        }
    }

    /** A simulated process on a machine with little memory available. */
    private static final class ScarceMemory extends ForwardingAddressSpace {
        long availableBytes;

        ScarceMemory(final SimulatedAddressSpace space, final long availableBytes) {
            super(space);
            this.availableBytes = availableBytes;
        }

        @Override
        public long availableMemoryBytes() {
            return availableBytes;
        }
    }
}
