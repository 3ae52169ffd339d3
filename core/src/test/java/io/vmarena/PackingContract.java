package io.vmarena;

import io.vmarena.support.LiveBlocks;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.vmarena.CompactionContract.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What compaction's packing must do on every address space (see {@link Arena#compact()}): in a
 * class segment whose free slots below its highest live block reach a 64th of a segment or a
 * page, the top blocks are copied into the lowest free slots until every free slot lies above
 * every live block, so that trim gives the top pages back. Layouts are one or two segments of
 * 64-byte blocks, every block written whole, so which blocks move, where to and what trim gives
 * back are known exactly. No free segment is retained, so trim gives back pages of class
 * segments only.
 */
public abstract class PackingContract extends ArenaFixture {
    private static final int BLOCK_BYTES = 64;

    protected Arena.Builder arena() {
        return Arena.builder().name(getClass().getSimpleName()).addressSpace(space).segmentBytes(segmentBytes)
            .initialBytes(16 * segmentBytes).maximumBytes(512 * segmentBytes).retainedBytes(0).checked(true)
            .compactionPauseBudget(Duration.ofSeconds(60));
    }

    private int slots() {
        return (int)(segmentBytes / BLOCK_BYTES);
    }

    /** The free bytes below a segment's highest live block that make it worth packing. */
    private long packMinBytes() {
        return Math.max(space.pageSize(), segmentBytes / 64);
    }

    /** One full segment of 64-byte blocks (its class's current), every block written; the handles in slot order. */
    private long[] fullSegment(final Arena arena, final LiveBlocks blocks, final int seedBase) {
        final long[] handles = new long[slots()];
        for (int slot = 0; slot < handles.length; slot++) {
            handles[slot] = arena.allocate(BLOCK_BYTES);
            blocks.write(arena.address(handles[slot]), blocks.add(handles[slot], BLOCK_BYTES, seedBase + slot), 0);
        }
        final long base = arena.address(handles[0]);
        for (int slot = 0; slot < handles.length; slot++) {
            assertEquals(base + (long)slot * BLOCK_BYTES, arena.address(handles[slot]), "slot order");
        }
        return handles;
    }

    /** Frees every other block (the odd slots): no page is left without a live block. */
    private static List<Long> freeOddSlots(final Arena arena, final LiveBlocks blocks, final long[] handles) {
        final List<Long> freed = new ArrayList<>();
        for (int slot = 1; slot < handles.length; slot += 2) {
            free(arena, blocks, handles[slot]);
            freed.add(handles[slot]);
        }
        return freed;
    }

    private static void free(final Arena arena, final LiveBlocks blocks, final long handle) {
        arena.free(handle);
        blocks.blocks().removeIf(block -> block.handle == handle);
    }

    private static LiveBlocks.Block find(final LiveBlocks blocks, final long handle) {
        for (final LiveBlocks.Block block : blocks.blocks()) {
            if (block.handle == handle) {
                return block;
            }
        }
        throw new AssertionError("no block has handle " + Long.toHexString(handle));
    }

    @Test
    void shouldPackTheTopBlocksIntoTheFreeSlotsBelowSoThatTrimGivesTheTopHalfBack() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long[] handles = fullSegment(arena, blocks, 0);
            final List<Long> freed = freeOddSlots(arena, blocks, handles);
            assertEquals(0, arena.trim(Long.MAX_VALUE), "every page holds live blocks: trim has nothing to give back");

            final CompactionResult result = arena.compact();

            final int slots = slots();
            assertTrue(result.complete(), result::toString);
            assertEquals(0, result.evacuatedSegments(), result::toString);
            assertEquals(1, result.packedSegments(), result::toString);
            assertEquals(slots / 4, result.packedBlocks(), () -> "the live blocks of the top half moved: " + result);
            assertEquals((long)slots / 4 * BLOCK_BYTES, result.packedBytes(), result::toString);
            assertEquals(0, result.copiedBytes(), () -> "evacuation copied nothing: " + result);
            blocks.checkAll(arena::address, arena::capacity, "through the old handles, forwarded");
            final long base = arena.address(handles[0]);
            for (int slot = 0; slot < slots; slot += 2) {
                final boolean moved = slot >= slots / 2;
                assertEquals(!moved, arena.resolvesOnFastPath(handles[slot]), "slot " + slot);
                assertTrue(arena.address(handles[slot]) < base + (long)slots / 2 * BLOCK_BYTES,
                    "every block in the lower half now: slot " + slot);
            }
            for (final long handle : freed) {
                assertRefused(() -> arena.address(handle), "freed");
            }
            assertEquals(segmentBytes / 2, arena.trim(Long.MAX_VALUE), "the top half's pages, all free now");
            blocks.checkAll(arena::address, arena::capacity, "after trim");

            final CompactionResult again = arena.compact();
            assertEquals(0, again.packedSegments(), again::toString);
            assertEquals(0, again.packedBlocks(), () -> "packed once is packed: " + again);

            // New blocks fill the free top half from its bottom, and the old handles keep working.
            for (int index = 0; index < slots / 2; index++) {
                final long handle = arena.allocate(BLOCK_BYTES);
                assertEquals(base + (long)(slots / 2 + index) * BLOCK_BYTES, arena.address(handle));
                blocks.write(arena.address(handle), blocks.add(handle, BLOCK_BYTES, 100_000 + index), 0);
            }
            blocks.checkAll(arena::address, arena::capacity, "after filling the top half again");
            final long forwarded = handles[slots - 2];
            free(arena, blocks, forwarded);
            assertRefused(() -> arena.address(forwarded), "freed");
            assertRefused(() -> arena.free(forwarded), "freed");
            assertTrue(arena.compact().complete());
            blocks.checkAll(arena::address, arena::capacity, "after compacting again");
            assertRefused(() -> arena.address(forwarded), "freed");
        }
    }

    @Test
    void shouldTellTheListenerOfEachPackedBlockHighestFirstAndRefuseTheOldHandle() {
        final List<long[]> relocations = new ArrayList<>();
        final Arena[] self = new Arena[1];
        final LiveBlocks blocks = new LiveBlocks(space);
        try (Arena arena = arena().relocationListener((oldHandle, newHandle) -> {
            relocations.add(new long[] {oldHandle, newHandle});
            assertEquals(self[0].address(oldHandle), self[0].address(newHandle), "both name the block until it returns");
            final LiveBlocks.Block block = find(blocks, oldHandle);
            blocks.check(self[0].address(newHandle), block.seed, block.lengthBytes, "inside the listener");
        }).build()) {
            self[0] = arena;
            final long[] handles = fullSegment(arena, blocks, 0);
            freeOddSlots(arena, blocks, handles);
            final long base = arena.address(handles[0]);

            final CompactionResult result = arena.compact();

            final int slots = slots();
            assertEquals(slots / 4, relocations.size(), "one call per packed block");
            assertEquals(slots / 4, result.packedBlocks(), result::toString);
            assertEquals(0, result.evacuatedBlocks(), result::toString);
            for (int index = 0; index < relocations.size(); index++) {
                final long oldHandle = relocations.get(index)[0];
                final long newHandle = relocations.get(index)[1];
                assertEquals(handles[slots - 2 - 2 * index], oldHandle, "the highest first");
                find(blocks, oldHandle).handle = newHandle;
                assertEquals(base + (1 + 2L * index) * BLOCK_BYTES, arena.address(newHandle), "into the lowest free slot");
                assertTrue(arena.resolvesOnFastPath(newHandle));
                assertRefused(() -> arena.address(oldHandle), "relocat");
                assertRefused(() -> arena.free(oldHandle), "relocat");
            }
            blocks.checkAll(arena::address, arena::capacity, "through the new handles");
            assertEquals(segmentBytes / 2, arena.trim(Long.MAX_VALUE));
        }
    }

    @Test
    void shouldPackOnlyOnceTheFreeBytesBelowTheTopReachAPageOrA64thOfTheSegment() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long[] handles = fullSegment(arena, blocks, 0);
            final int holes = (int)(packMinBytes() / BLOCK_BYTES);
            for (int slot = 0; slot < holes - 1; slot++) {
                free(arena, blocks, handles[slot]);
            }

            final CompactionResult below = arena.compact();
            assertEquals(0, below.packedSegments(), () -> "one block short of the bar: " + below);
            assertEquals(0, below.packedBlocks(), below::toString);

            free(arena, blocks, handles[holes - 1]);
            final CompactionResult at = arena.compact();
            assertEquals(1, at.packedSegments(), () -> "at the bar: " + at);
            assertEquals(holes, at.packedBlocks(), () -> "the top " + holes + " blocks into the bottom holes: " + at);
            blocks.checkAll(arena::address, arena::capacity, "after packing");
            assertEquals(packMinBytes(), arena.trim(Long.MAX_VALUE), "the top's free pages");
        }
    }

    @Test
    void shouldNotPackAnUncheckedArenaEvenWithAListener() {
        final List<long[]> relocations = new ArrayList<>();
        try (Arena arena = arena().checked(false).relocationListener((oldHandle, newHandle) ->
            relocations.add(new long[] {oldHandle, newHandle})).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long[] handles = fullSegment(arena, blocks, 0);
            freeOddSlots(arena, blocks, handles);

            final CompactionResult result = arena.compact();

            // Unchecked, the vacated slot's next block would carry the moved block's old handle.
            assertEquals(0, result.packedSegments(), result::toString);
            assertEquals(0, result.packedBlocks(), result::toString);
            assertEquals(List.of(), relocations);
            blocks.checkAll(arena::address, arena::capacity, "unmoved");
        }
    }

    @Test
    void shouldNotPackWithEvacuationThresholdZero() {
        try (Arena arena = arena().evacuationThreshold(0).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            freeOddSlots(arena, blocks, fullSegment(arena, blocks, 0));

            final CompactionResult result = arena.compact();

            assertEquals(0, result.packedSegments(), result::toString);
            assertEquals(0, result.copiedBytes() + result.packedBytes(), () -> "0 turns copying off: " + result);
            assertEquals(0, arena.trim(Long.MAX_VALUE));
            blocks.checkAll(arena::address, arena::capacity, "unmoved");
        }
    }

    @Test
    void shouldNotPackAPinnedSegmentWhoseFreePagesTrimWouldNotGiveBack() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            freeOddSlots(arena, blocks, fullSegment(arena, blocks, 0));
            final PinStatus pinned = arena.pin();
            assumeTrue(pinned.unpinnedBytes() == 0, () -> "this address space does not pin the arena: " + pinned);

            final CompactionResult result = arena.compact();

            assertEquals(0, result.packedSegments(), result::toString);
            assertEquals(0, result.packedBlocks(), result::toString);
            blocks.checkAll(arena::address, arena::capacity, "unmoved");
            arena.unpin();
            assertEquals(1, arena.compact().packedSegments(), "unpinned, it packs");
            blocks.checkAll(arena::address, arena::capacity, "packed");
        }
    }

    @Test
    void shouldPackInSlicesOfAnyBudgetOneBlockAtLeastEach() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            freeOddSlots(arena, blocks, fullSegment(arena, blocks, 0));
            long copied = 0;
            int slices = 0;
            for (CompactionResult slice = null; slice == null || !slice.complete(); slices++) {
                assertTrue(slices <= slots(), "a slice of 1 ns must still move a block");
                slice = arena.compactSlice(Duration.ofNanos(1));
                copied += slice.packedBlocks();
                blocks.checkAll(arena::address, arena::capacity, "after slice " + slices);
            }
            assertEquals(slots() / 4, copied, "each block once, across the slices");
            assertEquals(segmentBytes / 2, arena.trim(Long.MAX_VALUE));
        }
    }

    @Test
    void shouldStopAtAListenerThatThrowsAndKeepBothHandlesOfTheBlocksNotTold() {
        final RuntimeException thrown = new RuntimeException("the index is full");
        final List<long[]> relocations = new ArrayList<>();
        final boolean[] failing = {true};
        final LiveBlocks blocks = new LiveBlocks(space);
        try (Arena arena = arena().relocationListener((oldHandle, newHandle) -> {
            relocations.add(new long[] {oldHandle, newHandle});
            if (failing[0] && relocations.size() == 3) {
                throw thrown;
            }
        }).build()) {
            final long[] handles = fullSegment(arena, blocks, 0);
            freeOddSlots(arena, blocks, handles);

            assertSame(thrown, assertThrows(RuntimeException.class, arena::compact));

            final int slots = slots();
            assertEquals(3, relocations.size());
            for (int index = 0; index < 2; index++) {
                final long[] told = relocations.get(index);
                find(blocks, told[0]).handle = told[1];
                assertRefused(() -> arena.address(told[0]), "relocat");
            }
            // The block thrown at and the ones not told yet: moved, both handles name them.
            for (int index = 2; index < slots / 4; index++) {
                final long oldHandle = handles[slots - 2 - 2 * index];
                final LiveBlocks.Block block = find(blocks, oldHandle);
                assertFalse(arena.resolvesOnFastPath(oldHandle), "moved: slot " + (slots - 2 - 2 * index));
                blocks.check(arena.address(oldHandle), block.seed, block.lengthBytes, "through the kept forward");
            }
            final long[] thrownAt = relocations.get(2);
            assertEquals(arena.address(thrownAt[0]), arena.address(thrownAt[1]));
            blocks.checkAll(arena::address, arena::capacity, "after the listener threw");

            failing[0] = false;
            relocations.clear();
            final CompactionResult next = arena.compact();
            assertTrue(next.complete(), next::toString);
            assertEquals(0, next.packedBlocks(), () -> "packed already: " + next);
            blocks.checkAll(arena::address, arena::capacity, "after the next compaction");
            assertEquals(segmentBytes / 2, arena.trim(Long.MAX_VALUE));
        }
    }

    /**
     * A packed segment keeps forwards for the blocks it moved; when it later becomes sparse and
     * evacuation empties it, those forwards must stay, and chain on to the block's new place.
     */
    @Test
    void shouldKeepAPackedSegmentsForwardsWhenEvacuationEmptiesItLater() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long[] first = fullSegment(arena, blocks, 0);
            final long[] second = fullSegment(arena, blocks, 1_000_000); // the class's current now
            freeOddSlots(arena, blocks, first);
            final int slots = slots();
            for (int slot = slots / 2; slot < slots; slot++) {
                free(arena, blocks, second[slot]); // room at the top of the current segment
            }
            final CompactionResult packing = arena.compact();
            assertEquals(1, packing.packedSegments(), packing::toString);
            assertEquals(0, packing.evacuatedSegments(), packing::toString);
            final long packedHandle = first[slots - 2]; // moved down by packing: forwarded
            assertFalse(arena.resolvesOnFastPath(packedHandle));

            // Now the first segment goes sparse: keep only a few blocks, the packed one among them.
            for (int slot = 0; slot < slots; slot += 2) {
                if (first[slot] != packedHandle && slot % 64 != 0) {
                    free(arena, blocks, first[slot]);
                }
            }
            final CompactionResult evacuation = arena.compact();
            assertEquals(1, evacuation.evacuatedSegments(), evacuation::toString);
            blocks.checkAll(arena::address, arena::capacity, "through forwards from packing and then evacuation");
            final LiveBlocks.Block packed = find(blocks, packedHandle);
            blocks.check(arena.address(packedHandle), packed.seed, packed.lengthBytes, "the packed block's first handle");
            free(arena, blocks, packedHandle);
            assertRefused(() -> arena.address(packedHandle), "freed");
            assertTrue(arena.compact().complete());
            blocks.checkAll(arena::address, arena::capacity, "after the clean-up of forwards");
        }
    }
}
