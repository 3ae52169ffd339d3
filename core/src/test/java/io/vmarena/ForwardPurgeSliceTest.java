package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The clean-up of forwards at the start of a compaction keeps the slice's pause budget: it once
 * walked every forward of the arena in the compaction's first slice, whatever its deadline
 * (cache-churn, 1 GiB with stable handles: one slice of 88 and 116 ms against a 500 us budget,
 * with tens of thousands of forwards and nothing to move). A budget of a nanosecond lets a slice
 * clean up one forward entry; the count of forwarded ids says how far it got, not a clock.
 */
class ForwardPurgeSliceTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final int BLOCK_BYTES = 64;
    private static final int SLOTS = (int)(SEGMENT_BYTES / BLOCK_BYTES);
    /** Survivors per sparse segment: one block in 64. */
    private static final int STRIDE = 64;
    private final SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);

    @AfterEach
    void release() {
        space.close();
    }

    @Test
    void shouldCleanUpForwardsASliceBudgetAtATimeAndKeepEveryOldHandleRight() {
        final LiveBlocks blocks = new LiveBlocks(space);
        try (Arena arena = Arena.builder().name("purge").addressSpace(space).segmentBytes(SEGMENT_BYTES)
            .initialBytes(16 * SEGMENT_BYTES).maximumBytes(1024 * SEGMENT_BYTES)
            .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
            final HandleCodec codec = arena.heapForTests().codec();
            final SegmentTable table = arena.heapForTests().table();
            final long[] handles = new long[12 * SLOTS]; // twelve full segments: the last two stay full
            for (int index = 0; index < handles.length; index++) {
                handles[index] = arena.allocate(BLOCK_BYTES);
            }
            final List<Long> survivors = new ArrayList<>();
            for (int index = 0; index < handles.length; index++) {
                if (index >= 10 * SLOTS || index % STRIDE == 0) {
                    survivors.add(handles[index]);
                    blocks.write(arena.address(handles[index]), blocks.add(handles[index], BLOCK_BYTES, index), 0);
                } else {
                    arena.free(handles[index]);
                }
            }
            assertTrue(arena.compact().complete());
            final int forwarded = table.forwardedIds();
            assertTrue(forwarded >= 5, () -> "the sparse segments were evacuated: " + forwarded + " forwarded ids");
            blocks.checkAll(arena::address, arena::capacity, "after the evacuation");

            // Free every survivor of the forwarded segments with even ids through its old handle:
            // their forwards lead to freed blocks, and the clean-up is to end them and release the ids.
            final Set<Integer> emptied = new HashSet<>();
            final Set<Integer> kept = new HashSet<>();
            final List<Long> freed = new ArrayList<>();
            for (int index = blocks.size() - 1; index >= 0; index--) {
                final long handle = blocks.blocks().get(index).handle;
                final int id = codec.segmentIndex(handle);
                if (table.state[id] != SegmentTable.FORWARDED) {
                    continue;
                }
                if (id % 2 == 0) {
                    blocks.remove(index);
                    arena.free(handle);
                    freed.add(handle);
                    emptied.add(id);
                } else {
                    kept.add(id);
                }
            }
            assertFalse(emptied.isEmpty());
            assertFalse(kept.isEmpty());
            assertEquals(forwarded, table.forwardedIds(), "a free leaves the forward to compaction's clean-up");
            final CompactionResult first = arena.compactSlice(Duration.ofNanos(1));
            // Each forward has SLOTS / STRIDE entries: a slice that cleaned up one entry released no id
            // (the clean-up walked them all and released every emptied id at once).
            assertEquals(forwarded, table.forwardedIds(), () -> "one slice of 1 ns cleaned up every forward: " + first);
            assertFalse(first.complete(), first::toString);
            blocks.checkAll(arena::address, arena::capacity, "after the first slice");

            int slices = 1;
            while (!arena.compactSlice(Duration.ofNanos(1)).complete()) {
                slices++;
                blocks.checkAll(arena::address, arena::capacity, "after slice " + slices);
                assertTrue(slices < 10_000, "slices of 1 ns must each make progress");
            }
            final int entries = forwarded * (SLOTS / STRIDE);
            assertTrue(slices >= entries - 1, "one entry a slice: " + slices + " slices for " + entries + " entries");
            assertEquals(kept.size(), table.forwardedIds(), "the ids of forwards with live blocks stay; the rest go back");
            for (final int id : kept) {
                assertEquals(SegmentTable.FORWARDED, table.state[id]);
            }
            blocks.checkAll(arena::address, arena::capacity, "after the compaction");
            for (final long handle : freed) {
                assertThrows(IllegalArgumentException.class, () -> arena.address(handle), Long.toHexString(handle));
            }
        }
    }

    @Test
    void shouldStayRightWhenFreesAndAllocationsComeBetweenTheSlicesOfACleanUp() {
        final LiveBlocks blocks = new LiveBlocks(space);
        try (Arena arena = Arena.builder().name("purge-interrupted").addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(16 * SEGMENT_BYTES).maximumBytes(1024 * SEGMENT_BYTES)
            .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
            final HandleCodec codec = arena.heapForTests().codec();
            final SegmentTable table = arena.heapForTests().table();
            final long[] handles = new long[12 * SLOTS];
            for (int index = 0; index < handles.length; index++) {
                handles[index] = arena.allocate(BLOCK_BYTES);
            }
            for (int index = 0; index < handles.length; index++) {
                if (index >= 10 * SLOTS || index % STRIDE == 0) {
                    blocks.write(arena.address(handles[index]), blocks.add(handles[index], BLOCK_BYTES, index), 0);
                } else {
                    arena.free(handles[index]);
                }
            }
            assertTrue(arena.compact().complete());
            final List<Long> freed = new ArrayList<>();
            int step = 0;
            long seed = 1L << 32;
            CompactionResult slice;
            do {
                slice = arena.compactSlice(Duration.ofNanos(1));
                // Between slices (another thread of a shared arena): a block through its old handle
                // freed, every third slice; new blocks; a forwarded block freed through its new handle.
                if (step % 3 == 0 && blocks.size() > 0) {
                    final long handle = blocks.remove((step * 7) % blocks.size()).handle;
                    arena.free(handle);
                    freed.add(handle);
                }
                for (int index = 0; index < 5; index++) {
                    final long handle = arena.allocate(BLOCK_BYTES);
                    blocks.write(arena.address(handle), blocks.add(handle, BLOCK_BYTES, seed++), 0);
                }
                for (int index = 0; index < blocks.size(); index++) {
                    final long handle = blocks.blocks().get(index).handle;
                    if (step % 5 == 1 && table.state[codec.segmentIndex(handle)] == SegmentTable.FORWARDED) {
                        final long current = arena.heapForTests().resolve(handle);
                        blocks.remove(index);
                        arena.free(current);
                        freed.add(handle);
                        break;
                    }
                }
                blocks.checkAll(arena::address, arena::capacity, "after slice " + step);
                step++;
                assertTrue(step < 10_000, "slices of 1 ns must each make progress");
            } while (!slice.complete());
            assertTrue(arena.compact().complete(), "a whole pass");
            blocks.checkAll(arena::address, arena::capacity, "after the compaction");
            for (final long handle : freed) {
                assertThrows(IllegalArgumentException.class, () -> arena.address(handle), Long.toHexString(handle));
            }
            final Set<Integer> held = new HashSet<>();
            for (final LiveBlocks.Block block : blocks.blocks()) {
                if (table.state[codec.segmentIndex(block.handle)] == SegmentTable.FORWARDED) {
                    held.add(codec.segmentIndex(block.handle));
                }
            }
            assertEquals(held.size(), table.forwardedIds(), "an id is released once no forward of its is left");
        }
    }
}
