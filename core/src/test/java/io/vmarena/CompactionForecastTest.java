package io.vmarena;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ArenaStats#reclaimableReservedBytes()} forecasts what a full compaction gives back of the
 * range; the background policy runs a slice whenever the forecast is above zero. Both must agree
 * with what {@link Arena#compact()} then does, also when a foreign mapping made places past the
 * live data unusable (compaction never cuts the range below them).
 */
class CompactionForecastTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    /** A simulated process where a foreign page lands at the source of the next FIXED mremap, just after it. */
    private static final class IntrudingAddressSpace extends ForwardingAddressSpace {
        private boolean intrude;
        long intruder;

        IntrudingAddressSpace(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
            final long newAddress) {
            final long result = super.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
            if ((flags & RemapFlags.FIXED) != 0 && intrude) {
                intrude = false;
                intruder = space.mapForeign(oldAddress + oldLengthBytes - space.pageSize(), space.pageSize(),
                    Protection.READ);
            }
            return result;
        }
    }

    /** 32 one-segment blocks in an arena of 4 initial segments, the first 24 freed: 8 live at the top. */
    private static LiveBlocks topHeavy(final Arena arena, final IntrudingAddressSpace space) {
        final LiveBlocks blocks = new LiveBlocks(space);
        final long[] handles = new long[32];
        for (int place = 0; place < handles.length; place++) {
            handles[place] = arena.allocate(SEGMENT_BYTES);
            blocks.write(arena.address(handles[place]), blocks.add(handles[place], SEGMENT_BYTES, place), 0);
        }
        for (int place = 0; place < 24; place++) {
            arena.free(handles[place]);
            final long freed = handles[place];
            blocks.blocks().removeIf(block -> block.handle == freed);
        }
        return blocks;
    }

    private static Arena.Builder arena(final IntrudingAddressSpace space) {
        return Arena.builder().name("forecast").addressSpace(space).segmentBytes(SEGMENT_BYTES)
            .initialBytes(4 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES).retainedBytes(0)
            .compactionPauseBudget(Duration.ofSeconds(60));
    }

    @Test
    void shouldForecastTheRangeACompactionGivesBack() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final IntrudingAddressSpace space = new IntrudingAddressSpace(simulator);
            try (Arena arena = arena(space).build()) {
                final LiveBlocks blocks = topHeavy(arena, space);
                final ArenaStats before = arena.stats();
                assertTrue(before.reclaimableReservedBytes() > 0, before::toString);
                final CompactionResult result = arena.compact();
                assertEquals(before.reclaimableReservedBytes(),
                    result.reservedBytesBefore() - result.reservedBytesAfter(),
                    "forecast against what compact() gave back");
                assertEquals(0, arena.stats().reclaimableReservedBytes(), "nothing more to give back");
                blocks.checkAll(arena::address, arena::capacity, "after the compaction");
            }
        }
    }

    @Test
    void shouldForecastNoRangeBelowAForeignPageThatTookAPlaceAboveTheLiveData() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final IntrudingAddressSpace space = new IntrudingAddressSpace(simulator);
            try (Arena arena = arena(space).build()) {
                final LiveBlocks blocks = topHeavy(arena, space);
                space.intrude = true; // a page lands at the top of the place the 8 blocks leave
                assertTrue(arena.compact().complete());
                assertTrue(space.intruder != 0, "the intruder came");
                blocks.checkAll(arena::address, arena::capacity, "after the intruded compaction");

                final ArenaStats stats = arena.stats();
                final CompactionResult again = arena.compact();
                assertEquals(again.reservedBytesBefore(), again.reservedBytesAfter(),
                    "the range is not cut below the foreign page");
                assertEquals(stats.reclaimableReservedBytes(), again.reservedBytesBefore() - again.reservedBytesAfter(),
                    "the forecast says what compact() gives back: nothing");
                assertFalse(arena.stats().reclaimableReservedBytes() > 0, "nothing is forecast that never comes");
                blocks.checkAll(arena::address, arena::capacity, "after the second compaction");
            }
            simulator.unmapForeign(space.intruder, simulator.pageSize());
        }
    }

    @Test
    void shouldForecastTheCommittedBytesACompactionGivesBackWithRetainedSegments() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final IntrudingAddressSpace space = new IntrudingAddressSpace(simulator);
            try (Arena arena = arena(space).retainedBytes(8 * SEGMENT_BYTES).build()) {
                final LiveBlocks blocks = topHeavy(arena, space); // 24 freed: up to 8 of them retained
                final ArenaStats before = arena.stats();
                assertTrue(before.retainedBytes() > 0, before::toString);
                final CompactionResult result = arena.compact();
                assertEquals(before.reclaimableBytes(), result.committedBytesBefore() - result.committedBytesAfter(),
                    () -> "forecast against what compact() gave back: " + before + " " + result);
                blocks.checkAll(arena::address, arena::capacity, "after the compaction");
            }
        }
    }
}
