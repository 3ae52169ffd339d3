package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.Protection;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What {@link Arena#compact()} must do on every address space: the Linux backend and each
 * simulated kernel and page size extend it. Layouts are built from one-segment blocks at known
 * places, so the runs, system calls and VMAs a compaction gives are known exactly. Every block
 * is written whole (faulted: a moved VMA keeps its pgoff, kernel-semantics R9), and the pause
 * budget is long, so one slice does it all and no run is cut by the clock.
 */
public abstract class CompactionContract extends ArenaFixture {

    /** 16 segments reserved from the start, so that layouts of 16 segments never grow. */
    protected Arena.Builder arena() {
        return Arena.builder().name(getClass().getSimpleName()).addressSpace(space).segmentBytes(segmentBytes)
            .initialBytes(16 * segmentBytes).maximumBytes(512 * segmentBytes).retainedBytes(2 * segmentBytes)
            .compactionPauseBudget(Duration.ofSeconds(60));
    }

    private boolean multiVmaMove() {
        return space.capabilities().multiVmaMove().available();
    }

    // ---------------------------------------------------------------- 1. churn, then compaction

    @Test
    void shouldKeepEveryByteAndHandleThroughChurnAndCompactionWithAListener() {
        final List<long[]> relocations = new ArrayList<>();
        try (Arena arena = arena().initialBytes(4 * segmentBytes)
            .relocationListener((oldHandle, newHandle) -> relocations.add(new long[] {oldHandle, newHandle})).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final List<Long> refused = churn(arena, blocks, new SplittableRandom(3), 4);
            relocations.clear();

            final CompactionResult result = arena.compact();

            assertTrue(result.complete(), result::toString);
            assertTrue(result.movedBytes() > 0, () -> "the churn left holes to slide over: " + result);
            assertEquals(result.evacuatedBlocks() + result.packedBlocks(), relocations.size(),
                "the listener hears of every copied block");
            follow(arena, blocks, relocations);
            blocks.checkAll(arena::address, arena::capacity, "after compaction");
            for (final LiveBlocks.Block block : blocks.blocks()) {
                if (arena.capacity(block.handle) <= segmentBytes / 4) {
                    assertTrue(arena.resolvesOnFastPath(block.handle), "a small block's handle resolves on the fast "
                        + "path after the slide: " + Long.toHexString(block.handle));
                }
            }
            assertAllRefused(arena, refused);
            assertEquals(0, arena.compact().movedBytes(), "compact twice: nothing left to move");
            churnMore(arena, blocks, new SplittableRandom(4), relocations);
        }
    }

    @Test
    void shouldKeepEveryByteAndHandleThroughChurnAndCompactionWithoutAListener() {
        try (Arena arena = arena().initialBytes(4 * segmentBytes).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final List<Long> refused = churn(arena, blocks, new SplittableRandom(5), 4);

            final CompactionResult result = arena.compact();

            assertTrue(result.complete(), result::toString);
            assertTrue(result.movedBytes() > 0, () -> "the churn left holes to slide over: " + result);
            blocks.checkAll(arena::address, arena::capacity, "after compaction (old handles forwarded)");
            assertAllRefused(arena, refused);
            churnMore(arena, blocks, new SplittableRandom(6), null);
        }
    }

    /**
     * Allocates small and large blocks, writes them whole, frees two in three; returns the freed
     * handles (some stale by the end: their slots were handed out again).
     */
    private List<Long> churn(final Arena arena, final LiveBlocks blocks, final SplittableRandom random,
        final int rounds) {
        final List<Long> freed = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (int index = 0; index < 200; index++) {
                final long length = random.nextInt(5) == 0 ? segmentBytes * (1 + random.nextInt(3))
                    - random.nextInt(1000) : 1 + random.nextInt(2000);
                final long handle = arena.allocate(length);
                blocks.write(arena.address(handle), blocks.add(handle, length, random.nextLong()), 0);
            }
            for (int index = blocks.size() - 1; index >= 0; index--) {
                if (random.nextInt(3) != 0) {
                    final long handle = blocks.remove(index).handle;
                    arena.free(handle);
                    freed.add(handle);
                }
            }
        }
        return freed;
    }

    /**
     * The arena works on after compaction: more churn, another compaction (its relocations
     * followed, in an arena with a listener that adds them to {@code relocations}), every byte checked.
     */
    private void churnMore(final Arena arena, final LiveBlocks blocks, final SplittableRandom random,
        final List<long[]> relocations) {
        final List<Long> freed = churn(arena, blocks, random, 2);
        blocks.checkAll(arena::address, arena::capacity, "after more churn");
        if (relocations != null) {
            relocations.clear();
        }
        final CompactionResult again = arena.compact();
        assertTrue(again.complete(), again::toString);
        if (relocations != null) {
            assertEquals(again.evacuatedBlocks() + again.packedBlocks(), relocations.size(),
                "the listener hears of every copied block");
            follow(arena, blocks, relocations);
        }
        blocks.checkAll(arena::address, arena::capacity, "after the second compaction");
        assertAllRefused(arena, freed);
    }

    /** Moves each block's handle along the listener's relocations, in order; each old handle is refused. */
    private static void follow(final Arena arena, final LiveBlocks blocks, final List<long[]> relocations) {
        for (final long[] relocation : relocations) {
            for (final LiveBlocks.Block block : blocks.blocks()) {
                if (block.handle == relocation[0]) {
                    block.handle = relocation[1];
                }
            }
            assertRefused(() -> arena.address(relocation[0]), "relocat");
        }
    }

    private static void assertAllRefused(final Arena arena, final List<Long> handles) {
        for (final long handle : handles) {
            assertRefused(() -> arena.address(handle), "freed");
            assertRefused(() -> arena.capacity(handle), "freed");
            assertRefused(() -> arena.free(handle), "freed");
        }
    }

    static void assertRefused(final org.junit.jupiter.api.function.Executable call, final String keyWord) {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, call);
        assertEquals(IllegalArgumentException.class, refused.getClass());
        assertTrue(refused.getMessage().contains(keyWord), () -> "'" + keyWord + "' in: " + refused.getMessage());
    }

    // ---------------------------------------------------------------- 2. runs counted

    /** Sixteen one-segment blocks at places 0 to 15, each written whole. */
    private long[] sixteenSegments(final Arena arena, final LiveBlocks blocks) {
        final long[] handles = new long[16];
        for (int place = 0; place < 16; place++) {
            handles[place] = arena.allocate(segmentBytes);
            blocks.write(arena.address(handles[place]), blocks.add(handles[place], segmentBytes, place), 0);
            assertEquals(place, placeOf(arena, handles[place]));
        }
        return handles;
    }

    private int placeOf(final Arena arena, final long handle) {
        return (int)((arena.address(handle) - arena.baseAddress()) / segmentBytes);
    }

    private void free(final Arena arena, final LiveBlocks blocks, final long handle) {
        arena.free(handle);
        blocks.blocks().removeIf(block -> block.handle == handle);
    }

    /** The VMAs of the arena's range: [first place, end place, protection] each. */
    private List<String> layout(final Arena arena) {
        final long base = arena.baseAddress();
        final List<String> layout = new ArrayList<>();
        for (final Mapping mapping : space.mappings(base, base + arena.stats().reservedBytes())) {
            layout.add((mapping.startAddress() - base) / segmentBytes + "-" + (mapping.endAddress() - base)
                / segmentBytes + " " + mapping.protection().symbol());
        }
        return layout;
    }

    private static String rw() {
        return Protection.READ_WRITE.symbol();
    }

    private static String none() {
        return Protection.NONE.symbol();
    }

    /**
     * Islands of one segment each slide by 1, 2, 3 and 4 places: four runs of one VMA, four calls
     * on every kernel; each moved segment keeps its pgoff, so it stays a VMA of its own. Then the
     * first half is freed and those four VMAs slide down together: one run, one call where the
     * kernel moves across VMAs, four where it does not.
     */
    @Test
    void shouldMoveEachRunWithOneCallAcrossVmasWhereTheKernelCan() {
        runsCounted(MoveStrategy.AUTO, multiVmaMove());
    }

    @Test
    void shouldMoveEachVmaWithOneCallWithThePerVmaStrategy() {
        assumeTrue(space.capabilities().procmapQuery().available(), "PROCMAP_QUERY (Linux 6.11+) is missing here");
        runsCounted(MoveStrategy.PER_VMA_PROCMAP_QUERY, false);
    }

    private void runsCounted(final MoveStrategy strategy, final boolean oneCallPerRun) {
        try (Arena arena = arena().moveStrategy(strategy).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long[] handles = sixteenSegments(arena, blocks);
            final long base = arena.baseAddress();
            assertEquals(List.of("0-16 " + rw()), layout(arena), "one VMA before");
            for (final int place : new int[] {8, 10, 12, 14}) {
                free(arena, blocks, handles[place]);
            }

            final CompactionResult islands = arena.compact();

            assertEquals(4, islands.runs(), islands::toString);
            assertEquals(4, islands.systemCalls(), islands::toString);
            assertEquals(4, islands.vmasMoved(), islands::toString);
            assertEquals(4 * segmentBytes, islands.movedBytes(), islands::toString);
            assertEquals(0, islands.copiedBytes(), islands::toString);
            assertEquals(base, arena.baseAddress(), "compaction slides within the range");
            assertEquals(List.of("0-8 " + rw(), "8-9 " + rw(), "9-10 " + rw(), "10-11 " + rw(), "11-12 " + rw(),
                "12-16 " + none()), layout(arena), "each moved segment keeps its pgoff: a VMA of its own");
            assertEquals(1, islands.vmasBefore(), islands::toString);
            assertEquals(6, islands.vmasAfter(), islands::toString);
            assertEquals(16 * segmentBytes, islands.reservedBytesAfter(), "never below the initial size");
            assertEquals(12 * segmentBytes, islands.committedBytesAfter(), islands::toString);
            assertEquals(12 * segmentBytes, islands.residentBytesAfter(), islands::toString);
            final int[] expected = {0, 1, 2, 3, 4, 5, 6, 7, -1, 8, -1, 9, -1, 10, -1, 11};
            for (int place = 0; place < 16; place++) {
                if (expected[place] >= 0) {
                    assertEquals(expected[place], placeOf(arena, handles[place]), "the block from place " + place);
                }
            }
            blocks.checkAll(arena::address, arena::capacity, "after the islands slid");
            for (int place = 0; place < 8; place++) {
                free(arena, blocks, handles[place]);
            }

            final CompactionResult together = arena.compact();

            assertEquals(1, together.runs(), together::toString);
            assertEquals(oneCallPerRun ? 1 : 4, together.systemCalls(), together::toString);
            assertEquals(4, together.vmasMoved(), together::toString);
            assertEquals(4 * segmentBytes, together.movedBytes(), together::toString);
            assertEquals(List.of("0-1 " + rw(), "1-2 " + rw(), "2-3 " + rw(), "3-4 " + rw(), "4-16 " + none()),
                layout(arena), "the four VMAs moved as they were; the rest is one PROT_NONE reservation");
            assertEquals(6, together.vmasBefore(), together::toString);
            assertEquals(5, together.vmasAfter(), together::toString);
            assertEquals(16 * segmentBytes, together.reservedBytesAfter(), together::toString);
            assertEquals(4 * segmentBytes, together.committedBytesAfter(), together::toString);
            assertEquals(4 * segmentBytes, together.residentBytesAfter(), together::toString);
            blocks.checkAll(arena::address, arena::capacity, "after the VMAs slid together");
        }
    }

    /**
     * Places 0 and 1 freed: fourteen segments slide down by two, over their own places. mremap
     * refuses overlapping ranges, so the run moves in seven pieces of two, one call each; each
     * piece keeps its pgoff, contiguous with the one before it, so they merge again.
     */
    @Test
    void shouldMoveARunThatOverlapsItsDestinationInPiecesOfTheDistance() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long[] handles = sixteenSegments(arena, blocks);
            free(arena, blocks, handles[0]);
            free(arena, blocks, handles[1]);

            final CompactionResult result = arena.compact();

            assertEquals(1, result.runs(), result::toString);
            assertEquals(7, result.systemCalls(), result::toString);
            assertEquals(7, result.vmasMoved(), result::toString);
            assertEquals(14 * segmentBytes, result.movedBytes(), result::toString);
            for (int place = 2; place < 16; place++) {
                assertEquals(place - 2, placeOf(arena, handles[place]));
            }
            assertEquals(List.of("0-14 " + rw(), "14-16 " + none()), layout(arena), "the pieces merged again");
            assertEquals(14 * segmentBytes, result.committedBytesAfter(), result::toString);
            blocks.checkAll(arena::address, arena::capacity, "after the overlapping slide");
        }
    }

    /** A run of three segments (one large block) slides as a whole, and keeps its handle. */
    @Test
    void shouldSlideALargeBlockWholeAndKeepItsHandle() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long first = arena.allocate(2 * segmentBytes);
            final long large = arena.allocate(3 * segmentBytes);
            blocks.write(arena.address(large), blocks.add(large, 3 * segmentBytes, 9), 0);
            assertEquals(2, placeOf(arena, large));
            arena.free(first);

            final CompactionResult result = arena.compact();

            assertEquals(1, result.runs(), result::toString);
            assertEquals(2, result.systemCalls(), "distance 2 under a run of 3: two pieces");
            assertEquals(0, placeOf(arena, large));
            assertEquals(3 * segmentBytes, arena.capacity(large));
            blocks.checkAll(arena::address, arena::capacity, "after the large block slid");
            assertEquals(large, arena.reallocate(large, 4 * segmentBytes), "it grows in place, handle kept");
            blocks.checkAll(arena::address, arena::capacity, "after it grew");
        }
    }

    // ---------------------------------------------------------------- 3. evacuation

    /** Blocks of 64 bytes: the class's slots per segment. */
    private int slots64() {
        return (int)(segmentBytes / 64);
    }

    /**
     * Three segments of 64-byte blocks: the third full (and its class's current), the first keeps
     * its lower half, the second a twentieth. The second is sparse: evacuated into the first (the
     * current one is full), which stays above the threshold. The first's free slots all lie above
     * its live blocks, and the evacuees fill the lowest of them, so packing has nothing to do: the
     * evacuation's figures are its own. Returns the handles of the second's live blocks.
     */
    private List<Long> sparseSegments(final Arena arena, final LiveBlocks blocks) {
        final int slots = slots64();
        final long[] handles = new long[3 * slots];
        for (int index = 0; index < handles.length; index++) {
            handles[index] = arena.allocate(64); // all first: a block freed at once would be handed out again
        }
        final List<Long> evacuees = new ArrayList<>();
        for (int index = 0; index < handles.length; index++) {
            final int segment = index / slots;
            assertEquals(segment, placeOf(arena, handles[index]));
            final boolean keep = segment == 2 || segment == 0 && index % slots < slots / 2
                || segment == 1 && index % 20 == 0;
            if (keep) {
                blocks.write(arena.address(handles[index]), blocks.add(handles[index], 64, index), 0);
                if (segment == 1) {
                    evacuees.add(handles[index]);
                }
            } else {
                arena.free(handles[index]);
            }
        }
        return evacuees;
    }

    @Test
    void shouldForwardEveryOldHandleOfAnEvacuatedBlockWithoutAListener() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final List<Long> evacuees = sparseSegments(arena, blocks);

            final CompactionResult result = arena.compact();

            assertEquals(1, result.evacuatedSegments(), result::toString);
            assertEquals(evacuees.size(), result.evacuatedBlocks(), result::toString);
            assertEquals(64L * evacuees.size(), result.copiedBytes(), result::toString);
            blocks.checkAll(arena::address, arena::capacity, "through the forwarded handles");
            final org.agrona.concurrent.UnsafeBuffer view = new org.agrona.concurrent.UnsafeBuffer(0, 0);
            for (final long handle : evacuees) {
                assertTrue(!arena.resolvesOnFastPath(handle), "an evacuated block's old handle takes the slow path");
                assertEquals(64, arena.capacity(handle));
                arena.wrap(view, handle);
                assertEquals(arena.address(handle), view.addressOffset());
                assertEquals(64, view.capacity());
            }
            // reallocate through an old handle: a new block with the bytes, the old handle ends
            final long moved = evacuees.get(0);
            final LiveBlocks.Block block = find(blocks, moved);
            block.handle = arena.reallocate(moved, 1000);
            blocks.checkAll(arena::address, arena::capacity, "after reallocating through an old handle");
            assertRefused(() -> arena.address(moved), "freed");
            // free through an old handle: the block goes, the handle is refused from then on
            final long freed = evacuees.get(1);
            free(arena, blocks, freed);
            assertRefused(() -> arena.address(freed), "freed");
            assertRefused(() -> arena.free(freed), "freed");
            blocks.checkAll(arena::address, arena::capacity, "after freeing through an old handle");
            assertTrue(arena.compact().complete());
            blocks.checkAll(arena::address, arena::capacity, "after compacting again");
            assertRefused(() -> arena.address(freed), "freed");
        }
    }

    @Test
    void shouldTellTheListenerOfEveryEvacuatedBlockAndThenRefuseTheOldHandle() {
        final List<long[]> relocations = new ArrayList<>();
        final Arena[] self = new Arena[1];
        final LiveBlocks blocks = new LiveBlocks(space);
        try (Arena arena = arena().relocationListener((oldHandle, newHandle) -> {
            relocations.add(new long[] {oldHandle, newHandle});
            // both name the same bytes until the listener returns
            assertEquals(self[0].address(oldHandle), self[0].address(newHandle));
            final LiveBlocks.Block block = find(blocks, oldHandle);
            blocks.check(self[0].address(newHandle), block.seed, block.lengthBytes, "inside the listener");
        }).build()) {
            self[0] = arena;
            final List<Long> evacuees = sparseSegments(arena, blocks);

            final CompactionResult result = arena.compact();

            assertEquals(evacuees.size(), relocations.size(), "one call per evacuated block");
            assertEquals(evacuees.size(), result.evacuatedBlocks(), result::toString);
            for (int index = 0; index < evacuees.size(); index++) {
                final long oldHandle = evacuees.get(index);
                assertEquals(oldHandle, relocations.get(index)[0], "in slot order");
                find(blocks, oldHandle).handle = relocations.get(index)[1];
                assertRefused(() -> arena.address(oldHandle), "relocat");
                assertRefused(() -> arena.free(oldHandle), "relocat");
                assertRefused(() -> arena.reallocate(oldHandle, 10), "relocat");
                assertTrue(arena.resolvesOnFastPath(relocations.get(index)[1]));
            }
            blocks.checkAll(arena::address, arena::capacity, "through the new handles");
        }
    }

    @Test
    void shouldStopAtAListenerThatThrowsAndKeepBothHandlesOfItsBlock() {
        final RuntimeException thrown = new RuntimeException("the index is full");
        final List<long[]> relocations = new ArrayList<>();
        final boolean[] failing = {true};
        try (Arena arena = arena().relocationListener((oldHandle, newHandle) -> {
            relocations.add(new long[] {oldHandle, newHandle});
            if (failing[0] && relocations.size() == 3) {
                throw thrown;
            }
        }).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final List<Long> evacuees = sparseSegments(arena, blocks);

            final RuntimeException propagated = assertThrows(RuntimeException.class, arena::compact);

            assertTrue(propagated == thrown, "the listener's exception, unchanged: " + propagated);
            assertEquals(3, relocations.size(), "the compaction stopped at once");
            for (int index = 0; index < 2; index++) {
                final long oldHandle = relocations.get(index)[0];
                assertRefused(() -> arena.address(oldHandle), "relocat");
                find(blocks, oldHandle).handle = relocations.get(index)[1];
            }
            final long oldHandle = relocations.get(2)[0];
            final long newHandle = relocations.get(2)[1];
            assertEquals(arena.address(oldHandle), arena.address(newHandle), "both handles of the block work");
            blocks.checkAll(arena::address, arena::capacity, "after the listener threw (the old handle)");
            find(blocks, oldHandle).handle = newHandle;
            blocks.checkAll(arena::address, arena::capacity, "after the listener threw (the new handle)");
            find(blocks, newHandle).handle = oldHandle;
            // the arena goes on: allocate, free, and a compaction that completes
            final long more = arena.allocate(64);
            blocks.write(arena.address(more), blocks.add(more, 64, 77), 0);
            failing[0] = false;
            final CompactionResult result = arena.compact();
            assertTrue(result.complete(), result::toString);
            for (final long[] relocation : relocations.subList(3, relocations.size())) {
                final LiveBlocks.Block block = find(blocks, relocation[0]);
                if (block != null) {
                    block.handle = relocation[1];
                }
            }
            blocks.checkAll(arena::address, arena::capacity, "after a compaction that completed");
            assertTrue(evacuees.size() > 3);
        }
    }

    /**
     * The listener throws at the first block: that block keeps its old handle, through its old
     * segment's forward, even once every other block of that segment is freed and the segment
     * given back.
     */
    @Test
    void shouldKeepTheOldHandleOfTheBlockAListenerThrewAtWhenItsOldSegmentEmpties() {
        final List<long[]> relocations = new ArrayList<>();
        try (Arena arena = arena().relocationListener((oldHandle, newHandle) -> {
            relocations.add(new long[] {oldHandle, newHandle});
            throw new IllegalStateException("refused by the index");
        }).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final List<Long> evacuees = sparseSegments(arena, blocks);
            assertThrows(IllegalStateException.class, arena::compact);
            final long oldHandle = relocations.get(0)[0];
            final long newHandle = relocations.get(0)[1];
            assertEquals(evacuees.get(0), oldHandle);
            for (final long other : evacuees.subList(1, evacuees.size())) {
                free(arena, blocks, other);
            }

            assertEquals(arena.address(newHandle), arena.address(oldHandle), "the old handle still works");
            blocks.checkAll(arena::address, arena::capacity, "after the old segment emptied");
            arena.free(oldHandle);
            assertRefused(() -> arena.address(newHandle), "freed");
        }
    }

    /**
     * Slices whose budget is spent before any work still get there: each one does at least one
     * unit of work (an evacuated segment, a moved segment), so calling compactSlice() until it
     * says complete ends, however short the budget or slow the machine.
     */
    @Test
    void shouldCompleteInSlicesOfAnyBudget() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final List<Long> evacuees = sparseSegments(arena, blocks);
            final long large = arena.allocate(2 * segmentBytes);
            blocks.write(arena.address(large), blocks.add(large, 2 * segmentBytes, 3), 0);
            final long hole = arena.allocate(segmentBytes);
            final long last = arena.allocate(segmentBytes);
            blocks.write(arena.address(last), blocks.add(last, segmentBytes, 4), 0);
            arena.free(hole);
            int slices = 0;
            long evacuated = 0;
            long moved = 0;
            for (CompactionResult slice = null; slice == null || !slice.complete(); slices++) {
                assertTrue(slices < 1000, "1000 slices of 1 ns did not complete: a slice must always make progress");
                slice = arena.compactSlice(Duration.ofNanos(1));
                assertEquals(1, slice.slices());
                evacuated += slice.evacuatedBlocks();
                moved += slice.movedBytes();
            }
            assertEquals(evacuees.size(), evacuated, "the sparse segment was evacuated");
            assertTrue(moved > 0, "and the segments after it slid");
            blocks.checkAll(arena::address, arena::capacity, "after slices of 1 ns");
            assertEquals(0, arena.compact().movedBytes());
        }
    }

    /**
     * The listener throws at a block (its old handle is kept, forwarded to the new); later that
     * block is evacuated again and the listener returns normally: the old handle, all the caller
     * may hold, still leads to the block.
     */
    @Test
    void shouldKeepTheOldHandleOfTheBlockAListenerThrewAtWhenTheBlockIsEvacuatedAgain() {
        final List<long[]> relocations = new ArrayList<>();
        final boolean[] failing = {true};
        try (Arena arena = arena().relocationListener((oldHandle, newHandle) -> {
            relocations.add(new long[] {oldHandle, newHandle});
            if (failing[0]) {
                failing[0] = false;
                throw new IllegalStateException("refused by the index");
            }
        }).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            sparseSegments(arena, blocks);
            assertThrows(IllegalStateException.class, arena::compact);
            final long oldHandle = relocations.get(0)[0];
            final long newHandle = relocations.get(0)[1];
            // the new handle's segment made sparse: every other block freed (evacuation moved the
            // whole sparse segment there, the blocks the listener did not hear of included)
            for (final LiveBlocks.Block block : new ArrayList<>(blocks.blocks())) {
                if (block.handle != oldHandle) {
                    free(arena, blocks, block.handle);
                }
            }
            relocations.clear();

            assertTrue(arena.compact().complete());

            assertTrue(relocations.stream().anyMatch(relocation -> relocation[0] == newHandle),
                "the block was evacuated again: " + relocations.size() + " relocations");
            for (final long[] relocation : relocations) {
                final LiveBlocks.Block block = find(blocks, relocation[0]);
                if (block != null && block.handle != oldHandle) {
                    block.handle = relocation[1];
                }
            }
            blocks.checkAll(arena::address, arena::capacity, "the old handle of the block the listener threw at");
            assertTrue(arena.compact().complete());
            blocks.checkAll(arena::address, arena::capacity, "after the clean-up of the next compaction");
        }
    }

    @Test
    void shouldRefuseChangesFromInsideTheListener() {
        for (final Threading threading : Threading.values()) {
            final List<Throwable> refusals = new ArrayList<>();
            final Arena[] self = new Arena[1];
            try (Arena arena = arena().threading(threading).relocationListener((oldHandle, newHandle) -> {
                if (!refusals.isEmpty()) {
                    return;
                }
                self[0].address(newHandle); // reading is allowed
                for (final Runnable call : List.<Runnable>of(() -> self[0].allocate(16), () -> self[0].free(newHandle),
                    () -> self[0].reallocate(newHandle, 1000), () -> self[0].trim(Long.MAX_VALUE), self[0]::compact,
                    self[0]::compactSlice)) {
                    try {
                        call.run();
                        refusals.add(new AssertionError("a change from inside the listener was allowed"));
                    } catch (final IllegalStateException refused) {
                        refusals.add(refused);
                    }
                }
            }).build()) {
                self[0] = arena;
                final LiveBlocks blocks = new LiveBlocks(space);
                sparseSegments(arena, blocks);
                assertTrue(arena.compact().complete());
                assertEquals(6, refusals.size(), threading::toString);
                for (final Throwable refusal : refusals) {
                    assertEquals(IllegalStateException.class, refusal.getClass(), refusal::toString);
                    // confined: "from inside its compaction"; shared: "from the thread of a call of the arena under way"
                    assertTrue(refusal.getMessage().contains(threading == Threading.CONFINED ? "compaction"
                        : "under way"), refusal::getMessage);
                }
                arena.free(arena.allocate(16)); // and usable after
            }
        }
    }

    private static LiveBlocks.Block find(final LiveBlocks blocks, final long handle) {
        for (final LiveBlocks.Block block : blocks.blocks()) {
            if (block.handle == handle) {
                return block;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- 8. shrink and forecast

    @Test
    void shouldShrinkReservedCommittedAndResidentBytesTowardTheLiveBytes() {
        try (Arena arena = arena().initialBytes(4 * segmentBytes).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final SplittableRandom random = new SplittableRandom(8);
            final List<Long> handles = new ArrayList<>();
            for (int index = 0; index < 64; index++) {
                final long handle = arena.allocate(segmentBytes);
                handles.add(handle);
                blocks.write(arena.address(handle), blocks.add(handle, segmentBytes, index), 0);
            }
            for (int index = 0; index < 64; index++) {
                if (index % 8 != 3) {
                    free(arena, blocks, handles.get(index));
                }
            }
            final ArenaStats before = arena.stats();
            assertTrue(before.reclaimableBytes() > 0, before::toString);
            assertTrue(before.reclaimableReservedBytes() > 0, before::toString);
            assertTrue(before.compactionEstimate().toNanos() > 0, before::toString);

            final CompactionResult result = arena.compact();

            final ArenaStats after = arena.stats();
            assertEquals(64 * segmentBytes, result.reservedBytesBefore(), result::toString);
            assertEquals(10 * segmentBytes, result.reservedBytesAfter(), "8 live segments and a quarter more: "
                + result);
            assertEquals(10 * segmentBytes, after.reservedBytes(), after::toString);
            assertEquals(before.reservedBytes() - result.reservedBytesAfter(), before.reclaimableReservedBytes(),
                "the forecast of the reservation given back was exact");
            assertEquals(8 * segmentBytes, result.committedBytesAfter(), result::toString);
            assertEquals(8 * segmentBytes, result.residentBytesAfter(), result::toString);
            assertEquals(before.committedBytes() - 8 * segmentBytes, before.reclaimableBytes(),
                "the forecast of committed bytes given back was exact");
            assertEquals(0, after.reclaimableBytes(), after::toString);
            assertEquals(0, after.reclaimableReservedBytes(), after::toString);
            assertTrue(result.vmasAfter() <= 9, result::toString);
            blocks.checkAll(arena::address, arena::capacity, "after the shrink");
            // room to grow again
            for (int index = 0; index < 40; index++) {
                final long handle = arena.allocate(1 + random.nextInt(4 * (int)segmentBytes));
                blocks.write(arena.address(handle), blocks.add(handle, arena.capacity(handle) / 2, index), 0);
            }
            blocks.checkAll(arena::address, arena::capacity, "after growing again");
        }
    }

    // ---------------------------------------------------------------- 6. bad input

    @Test
    void shouldRefuseToCompactAClosedArena() {
        final Arena arena = arena().build();
        arena.close();
        final IllegalStateException compact = assertThrows(IllegalStateException.class, arena::compact);
        assertTrue(compact.getMessage().contains("closed"), compact::getMessage);
        final IllegalStateException slice = assertThrows(IllegalStateException.class, arena::compactSlice);
        assertTrue(slice.getMessage().contains("closed"), slice::getMessage);
        final IllegalStateException shared = assertThrows(IllegalStateException.class, () -> {
            final Arena sharedArena = arena().threading(Threading.SHARED).build();
            sharedArena.close();
            sharedArena.compact();
        });
        assertTrue(shared.getMessage().contains("closed"), shared::getMessage);
    }

    @Test
    void shouldRefuseToCompactAConfinedArenaFromAnotherThread() throws InterruptedException {
        try (Arena arena = arena().build()) {
            final Throwable[] thrown = new Throwable[2];
            final Thread other = new Thread(() -> {
                try {
                    arena.compact();
                } catch (final Throwable refused) {
                    thrown[0] = refused;
                }
                try {
                    arena.compactSlice(Duration.ofMillis(1));
                } catch (final Throwable refused) {
                    thrown[1] = refused;
                }
            }, "intruder");
            other.start();
            other.join();
            for (final Throwable refused : thrown) {
                assertEquals(IllegalStateException.class, refused.getClass(), String.valueOf(refused));
                assertTrue(refused.getMessage().contains("confined"), refused::getMessage);
            }
            assertTrue(arena.compact().complete(), "its owner still may");
        }
    }

    @Test
    void shouldRefuseToCompactInsideAReadSection() {
        for (final Threading threading : Threading.values()) {
            try (Arena arena = arena().threading(threading).build()) {
                final long handle = arena.allocate(100);
                try (ReadSection section = arena.read()) {
                    final IllegalStateException compact = assertThrows(IllegalStateException.class, arena::compact);
                    assertTrue(compact.getMessage().contains("read section"), compact::getMessage);
                    final IllegalStateException slice = assertThrows(IllegalStateException.class,
                        arena::compactSlice);
                    assertTrue(slice.getMessage().contains("read section"), slice::getMessage);
                    arena.address(handle);
                }
                assertTrue(arena.compact().complete(), threading + ": usable after the section");
            }
        }
    }

    @Test
    void shouldRefuseABudgetThatIsNotPositive() {
        try (Arena arena = arena().build()) {
            for (final Duration budget : new Duration[] {Duration.ZERO, Duration.ofNanos(-1), null}) {
                final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> arena.compactSlice(budget));
                assertTrue(refused.getMessage().contains("pauseBudget must be a positive duration"),
                    refused::getMessage);
            }
            assertTrue(arena.compactSlice(Duration.ofDays(365_000_000)).complete(), "a huge budget is fine");
            for (final Duration budget : new Duration[] {Duration.ZERO, Duration.ofNanos(-1), null}) {
                final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> Arena.builder().compactionPauseBudget(budget));
                assertTrue(refused.getMessage().contains("compactionPauseBudget"), refused::getMessage);
            }
        }
    }

    @Test
    void shouldRefuseBadCompactionSettingsWhenBuilt() {
        for (final double threshold : new double[] {Double.NaN, -1, 2, -0.001, 1.001}) {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Arena.builder().evacuationThreshold(threshold));
            assertTrue(refused.getMessage().contains("evacuationThreshold must be 0 to 1"), refused::getMessage);
        }
        Arena.builder().evacuationThreshold(0).evacuationThreshold(1);
        final IllegalArgumentException confined = assertThrows(IllegalArgumentException.class,
            () -> arena().compactionPolicy(CompactionPolicy.builder().build()).build());
        assertTrue(confined.getMessage().contains("threading(Threading.SHARED)"), confined::getMessage);
        final IllegalArgumentException known = assertThrows(IllegalArgumentException.class,
            () -> Arena.builder().moveStrategy(MoveStrategy.PER_VMA_KNOWN));
        assertTrue(known.getMessage().contains("PER_VMA_PROCMAP_QUERY"), known::getMessage);
        assertThrows(NullPointerException.class, () -> Arena.builder().relocationListener(null));
        assertThrows(NullPointerException.class, () -> Arena.builder().compactionPolicy(null));
        assertThrows(NullPointerException.class, () -> Arena.builder().moveStrategy(null));
    }
}
