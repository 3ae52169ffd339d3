package io.vmarena;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * trim() in a pinned arena asks the kernel only for what it can give: free segments, unlocked
 * first, and never the free pages of a pinned segment in use (MADV_DONTNEED refuses locked
 * memory with EINVAL; asking anyway cost a failed call per stretch, and marked the pages given
 * back when they were not).
 */
class PinnedTrimTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldNotAdviseLockedPagesAway() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withMemlock(KernelProfile.UNLIMITED))) {
            final CountingRefusals space = new CountingRefusals(simulator);
            try (Arena arena = Arena.builder().addressSpace(space).name("pinned-trim").segmentBytes(SEGMENT_BYTES)
                .initialBytes(8 * SEGMENT_BYTES).retainedBytes(8 * SEGMENT_BYTES).build()) {
                final long[] small = new long[200];
                for (int index = 0; index < small.length; index++) {
                    small[index] = arena.allocate(1000);
                }
                final long run = arena.allocate(2 * SEGMENT_BYTES);
                arena.pin();
                arena.free(run);
                for (int index = 1; index < small.length; index++) { // one stays: its segment is in use
                    arena.free(small[index]);
                }

                final long givenBytes = arena.trim(Long.MAX_VALUE);

                assertEquals(0, space.refusedAdvice, "no MADV_DONTNEED on locked memory");
                assertEquals(PinState.PINNED, arena.stats().pin().state());
                final ArenaStats stats = arena.stats();
                assertEquals((stats.classSegments() + stats.runSegments()) * SEGMENT_BYTES, stats.pinnedBytes(),
                    "the segments in use stay locked; the free ones were unlocked and given back");
                assertEquals(true, givenBytes >= 2 * SEGMENT_BYTES, "the freed run's segments: " + givenBytes);
            }
        }
    }

    /** Counts the advice the simulated kernel refused. */
    private static final class CountingRefusals extends ForwardingAddressSpace {
        int refusedAdvice;

        CountingRefusals(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public void advise(final long address, final long lengthBytes, final Advice advice) {
            try {
                super.advise(address, lengthBytes, advice);
            } catch (final VmException refused) {
                refusedAdvice++;
                throw refused;
            }
        }
    }
}
