package io.vmarena;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * compact() reads the memory figures (smaps on Linux: milliseconds in a big JVM) before its first
 * slice and after its last, not after every slice in between: the slices in between are combined
 * away, and on Linux their reads were most of a sliced compaction's time.
 */
class CompactionFiguresTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final int BLOCKS = 64;

    /**
     * Counts the reads of a result's figures: the resident bytes (mincore on Linux, smaps on the
     * simulator), and smaps read any other way.
     */
    private static final class SmapsReads extends ForwardingAddressSpace {
        int reads;

        SmapsReads(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public long residentBytes(final long fromAddress, final long toAddress) {
            reads++;
            return super.residentBytes(fromAddress, toAddress);
        }

        @Override
        public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
            if (source == MappingSource.SMAPS) {
                reads++;
            }
            return super.mappings(fromAddress, toAddress, source);
        }
    }

    @Test
    void shouldReadTheFiguresOnceBeforeAndOnceAfterAManySliceCompaction() {
        try (SimulatedAddressSpace simulated = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final SmapsReads space = new SmapsReads(simulated);
            try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(BLOCKS * SEGMENT_BYTES).maximumBytes(4 * BLOCKS * SEGMENT_BYTES)
                .compactionPauseBudget(Duration.ofNanos(1)).build()) {
                final long[] handles = new long[BLOCKS];
                for (int index = 0; index < BLOCKS; index++) {
                    handles[index] = arena.allocate(SEGMENT_BYTES);
                }
                for (int index = 0; index < BLOCKS; index += 2) {
                    arena.free(handles[index]); // every other one: one run per live block
                }
                space.reads = 0;

                final CompactionResult result = arena.compact();

                assertTrue(result.complete(), result.toString());
                assertTrue(result.slices() > 2, "a budget of 1 ns takes a slice per run: " + result);
                assertEquals(2, space.reads, "smaps reads for " + result.slices() + " slices");
            }
        }
    }
}
