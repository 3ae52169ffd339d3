package io.vmarena;

import io.vmarena.support.FailingAddressSpace;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compaction at the arena's limits: an arena at its maximum size with enough free bytes but no
 * stretch long enough, a shrink the system refuses, and many compactions in a row that evacuate
 * the same blocks again and again (in unchecked mode, where a slot's handles do not change).
 */
class CompactionLimitsAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private final SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);

    @AfterEach
    void release() {
        simulator.close();
    }

    private static void forget(final LiveBlocks blocks, final long handle) {
        blocks.blocks().removeIf(block -> block.handle == handle);
    }

    @Test
    void shouldGiveALargeBlockAPlaceInAnArenaAtItsMaximumOnceCompacted() {
        try (Arena arena = Arena.builder().addressSpace(simulator).segmentBytes(SEGMENT_BYTES)
            .initialBytes(16 * SEGMENT_BYTES).maximumBytes(16 * SEGMENT_BYTES).retainedBytes(0)
            .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
            final LiveBlocks blocks = new LiveBlocks(simulator);
            final long[] handles = new long[16];
            for (int place = 0; place < 16; place++) {
                handles[place] = arena.allocate(SEGMENT_BYTES);
                blocks.write(arena.address(handles[place]), blocks.add(handles[place], SEGMENT_BYTES, place), 0);
            }
            for (int place = 0; place < 16; place += 2) {
                arena.free(handles[place]);
                forget(blocks, handles[place]);
            }
            assertThrows(ArenaFullException.class, () -> arena.allocate(2 * SEGMENT_BYTES), "8 free, none in a row");
            assertTrue(arena.compact().complete());
            blocks.checkAll(arena::address, arena::capacity, "compacted at the maximum");
            final long large = arena.allocate(8 * SEGMENT_BYTES);
            blocks.write(arena.address(large), blocks.add(large, 8 * SEGMENT_BYTES, 99), 0);
            blocks.checkAll(arena::address, arena::capacity, "the large block in the place compaction made");
            assertThrows(ArenaFullException.class, () -> arena.allocate(SEGMENT_BYTES), "full now");
            assertEquals(16 * SEGMENT_BYTES, arena.stats().reservedBytes());
        }
    }

    @Test
    void shouldKeepTheRangeWhenTheSystemRefusesTheShrinkAndCutItNextTime() {
        final FailingAddressSpace space = new FailingAddressSpace(simulator);
        try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
            .initialBytes(4 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0)
            .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long[] handles = new long[32];
            for (int place = 0; place < handles.length; place++) {
                handles[place] = arena.allocate(SEGMENT_BYTES);
                blocks.write(arena.address(handles[place]), blocks.add(handles[place], SEGMENT_BYTES, place), 0);
            }
            for (int place = 0; place < 24; place++) {
                arena.free(handles[place]);
                forget(blocks, handles[place]);
            }
            final long reserved = arena.stats().reservedBytes();
            space.failUnmapAfter(0); // the shrink's munmap
            final CompactionResult refused = arena.compact();
            assertTrue(refused.complete());
            assertEquals(reserved, refused.reservedBytesAfter(), "the range stays whole when the shrink is refused");
            blocks.checkAll(arena::address, arena::capacity, "after the refused shrink");
            final long more = arena.allocate(SEGMENT_BYTES);
            blocks.write(arena.address(more), blocks.add(more, SEGMENT_BYTES, 100), 0);

            final CompactionResult cut = arena.compact();
            assertEquals(11 * SEGMENT_BYTES, cut.reservedBytesAfter(), "9 live places and 2 of headroom, cut now");
            blocks.checkAll(arena::address, arena::capacity, "after the shrink");
            for (int index = 0; index < 40; index++) { // grows again, past the cut
                final long handle = arena.allocate(SEGMENT_BYTES);
                blocks.write(arena.address(handle), blocks.add(handle, SEGMENT_BYTES, 200 + index), 0);
            }
            blocks.checkAll(arena::address, arena::capacity, "grown again after the cut");
        }
    }

    @Test
    void shouldKeepEveryHandleThroughManyCompactionsThatEvacuateTheSameBlocksUnchecked() {
        final List<Long> survivors = new ArrayList<>();
        final LiveBlocks blocks = new LiveBlocks(simulator);
        final RelocationListener repoint = (oldHandle, newHandle) -> {
            survivors.set(survivors.indexOf(oldHandle), newHandle);
            for (final LiveBlocks.Block block : blocks.blocks()) {
                if (block.handle == oldHandle) {
                    block.handle = newHandle;
                }
            }
        };
        // Without a listener each evacuated segment's id stays taken while one of its blocks lives:
        // 60 rounds exhaust this arena's 64 ids (see the issue-10 attack report).
        try (Arena arena = Arena.builder().addressSpace(simulator).segmentBytes(SEGMENT_BYTES).checked(false)
            .relocationListener(repoint)
            .initialBytes(8 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0)
            .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
            final int slots = (int)(SEGMENT_BYTES / 64);
            for (int round = 0; round < 200; round++) {
                final long[] handles = new long[2 * slots];
                for (int index = 0; index < handles.length; index++) {
                    handles[index] = arena.allocate(64);
                }
                for (int index = 0; index < handles.length; index++) {
                    if (index % 97 == round % 97 && survivors.size() < 64) {
                        survivors.add(handles[index]);
                        final LiveBlocks.Block block = blocks.add(handles[index], 64, round * 1000L + index);
                        blocks.write(arena.address(handles[index]), block, 0);
                    } else {
                        arena.free(handles[index]);
                    }
                }
                assertTrue(arena.compact().complete());
                blocks.checkAll(arena::address, arena::capacity, "round " + round);
                if (round % 10 == 9) { // free the oldest survivor (by the handle the listener gave): refused after
                    final long handle = survivors.remove(0);
                    arena.free(handle);
                    forget(blocks, handle);
                    assertThrows(IllegalArgumentException.class, () -> arena.free(handle), "round " + round);
                }
            }
            final ArenaStats stats = arena.stats();
            assertTrue(stats.reservedBytes() <= 16 * SEGMENT_BYTES, stats::toString);
            assertTrue(stats.classSegments() <= 2, stats::toString);
            blocks.checkAll(arena::address, arena::capacity, "at the end");
        }
    }

    /**
     * A budget of centuries ({@code Duration.ofSeconds(Long.MAX_VALUE)}, saturated to
     * Long.MAX_VALUE nanoseconds) is no budget at all: one slice does everything. Its deadline,
     * the clock plus the budget, overflows; compared with {@code >}, it had passed before the
     * slice began, so each slice stopped after its first step.
     */
    @Test
    void shouldCompleteInOneSliceOfAHugeBudget() {
        for (final boolean inBuilder : new boolean[] {false, true}) {
            final Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
            try (Arena arena = Arena.builder().addressSpace(simulator).segmentBytes(SEGMENT_BYTES)
                .initialBytes(16 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0)
                .compactionPauseBudget(inBuilder ? huge : Duration.ofMillis(1)).build()) {
                final LiveBlocks blocks = new LiveBlocks(simulator);
                final int slots = (int)(SEGMENT_BYTES / 64);
                final long[] handles = new long[5 * slots];
                for (int index = 0; index < handles.length; index++) {
                    handles[index] = arena.allocate(64);
                }
                for (int index = 0; index < handles.length; index++) {
                    final int segment = index / slots; // 0 half full, 1 to 3 sparse, 4 full (current)
                    if (segment == 4 || segment == 0 && index % 2 == 0 || index % 40 == 0) {
                        blocks.write(arena.address(handles[index]), blocks.add(handles[index], 64, index), 0);
                    } else {
                        arena.free(handles[index]);
                    }
                }
                final CompactionResult result = inBuilder ? arena.compactSlice() : arena.compactSlice(huge);
                assertEquals(3, result.evacuatedSegments(), result::toString);
                assertTrue(result.complete(), () -> "one slice of a huge budget does it all: " + result);
                blocks.checkAll(arena::address, arena::capacity, "after the slice");
            }
        }
    }
}
