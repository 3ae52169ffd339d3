package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an {@link Arena} must do on every address space: the Linux backend and each simulated
 * kernel and page size extend it. Segments are small here (64 KiB, or four pages where pages
 * are larger) so that growth, runs and page release all happen within a few megabytes.
 */
public abstract class ArenaContract extends ArenaFixture {

    protected Arena.Builder arena() {
        return Arena.builder().name(getClass().getSimpleName()).addressSpace(space).segmentBytes(segmentBytes)
            .initialBytes(4 * segmentBytes).maximumBytes(512 * segmentBytes).retainedBytes(2 * segmentBytes);
    }

    @Test
    void shouldKeepEveryByteOfEveryLiveBlockThroughRandomOperations() {
        final long firstSeed = Long.getLong("vmarena.arena.seed", 1);
        final int seeds = Integer.getInteger("vmarena.arena.seeds", 3);
        for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
            for (final boolean inPlace : new boolean[] {true, false}) {
                final long runSeed = seed;
                try (Arena arena = arena().inPlaceGrowth(inPlace).build()) {
                    new RandomOperations(arena, new LiveBlocks(space), runSeed, segmentBytes).run(300);
                } catch (final AssertionError | RuntimeException failure) {
                    throw new AssertionError("seed " + runSeed + ", inPlaceGrowth " + inPlace + " on "
                        + space.capabilities().backend() + ": replay with -Dvmarena.arena.seed=" + runSeed
                        + " -Dvmarena.arena.seeds=1", failure);
                }
            }
        }
    }

    @Test
    void shouldKeepHandlesAndBytesWhenGrowthMovesTheArena() {
        try (Arena arena = arena().inPlaceGrowth(false).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            fillWithBlocks(arena, blocks);
            final long oldBase = arena.baseAddress();
            final long oldReserved = arena.stats().reservedBytes();

            final long big = arena.allocate(4 * segmentBytes);

            assertNotEquals(oldBase, arena.baseAddress(), "growth without in-place growth moves the arena");
            assertEquals(1, arena.stats().moves());
            assertEquals(1, arena.stats().grows());
            assertEquals(List.of(), space.mappings(oldBase, oldBase + oldReserved), "the old range is gone");
            blocks.checkAll(arena::address, arena::capacity, "after the move");
            arena.free(big);
            blocks.checkAll(arena::address, arena::capacity, "after freeing the block that grew it");
        }
    }

    @Test
    void shouldGrowInPlaceWhenTheAddressesAfterTheArenaAreFree() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            fillWithBlocks(arena, blocks);
            final long base = arena.baseAddress();

            arena.allocate(4 * segmentBytes);

            assertEquals(base, arena.baseAddress());
            assertEquals(1, arena.stats().grows());
            assertEquals(0, arena.stats().moves());
            assertEquals(8 * segmentBytes, arena.stats().reservedBytes(), "it doubles");
            blocks.checkAll(arena::address, arena::capacity, "after growing in place");
        }
    }

    @Test
    void shouldMoveWhenAMappingFollowsTheArena() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            fillWithBlocks(arena, blocks);
            final long end = arena.baseAddress() + arena.stats().reservedBytes();
            final long blocker = space.map(end, space.pageSize(), Protection.READ, MapFlags.FIXED_NOREPLACE);
            try {
                arena.allocate(4 * segmentBytes);

                assertEquals(1, arena.stats().moves(), "the page after the arena is taken: growth moves it");
                blocks.checkAll(arena::address, arena::capacity, "after the move");
            } finally {
                space.unmap(blocker, space.pageSize());
            }
        }
    }

    @Test
    void shouldGrowALargeBlockInPlaceWhenTheSegmentsAfterItAreFree() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long handle = arena.allocate(2 * segmentBytes);
            final LiveBlocks.Block block = blocks.add(handle, 2 * segmentBytes, 11);
            blocks.write(arena.address(handle), block, 0);
            final long address = arena.address(handle);

            final long grown = arena.reallocate(handle, 3 * segmentBytes + 1);

            assertEquals(handle, grown, "the same handle: the run grew where it was");
            assertEquals(address, arena.address(grown));
            assertEquals(4 * segmentBytes, arena.capacity(grown));
            assertEquals(0, arena.stats().moves());
            blocks.checkAll(arena::address, arena::capacity, "after growing in place");
        }
    }

    @Test
    void shouldMoveALargeBlockWithoutCopyingWhenItCannotGrowInPlace() {
        try (Arena arena = arena().initialBytes(16 * segmentBytes).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final LiveBlocks.Block grower = allocateAndWrite(arena, blocks, 2 * segmentBytes, 21);
            final LiveBlocks.Block neighbour = allocateAndWrite(arena, blocks, segmentBytes, 22);
            final long oldAddress = arena.address(grower.handle);
            final long oldHandle = grower.handle;

            grower.handle = arena.reallocate(grower.handle, 4 * segmentBytes);

            assertEquals(oldHandle, grower.handle, "a handle names its segment wherever the segment is");
            assertEquals(1, arena.stats().moves());
            assertEquals(3 * segmentBytes, arena.address(grower.handle) - oldAddress, "after its neighbour");
            assertEquals(List.of("---"), protections(oldAddress, 2 * segmentBytes), "the vacated range is reserved");
            blocks.checkAll(arena::address, arena::capacity, "after the move");
            assertEquals(neighbour.handle, blocks.blocks().get(1).handle);
        }
    }

    @Test
    void shouldShrinkALargeBlockInPlaceAndCopySmallOnes() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final LiveBlocks.Block run = allocateAndWrite(arena, blocks, 3 * segmentBytes, 31);
            final LiveBlocks.Block small = allocateAndWrite(arena, blocks, 100, 32);

            final long shrunk = arena.reallocate(run.handle, segmentBytes + 1);
            assertEquals(run.handle, shrunk);
            run.lengthBytes = segmentBytes + 1;
            assertEquals(2 * segmentBytes, arena.capacity(shrunk));

            final long smallHandle = small.handle;
            small.handle = arena.reallocate(small.handle, 1000);
            assertNotEquals(smallHandle, small.handle);
            assertEquals(1024, arena.capacity(small.handle));
            blocks.check(arena.address(small.handle), small.seed, 100, "the copied small block");
            small.lengthBytes = 1000;
            blocks.write(arena.address(small.handle), small, 100);

            final long toSmall = arena.reallocate(run.handle, 64);
            blocks.check(arena.address(toSmall), run.seed, 64, "a run reallocated to a small block");
            run.handle = toSmall;
            run.lengthBytes = 64;
            blocks.checkAll(arena::address, arena::capacity, "after the reallocations");
            assertEquals(64 + 1024, arena.stats().usedBytes());
        }
    }

    @Test
    void shouldLeaveNoMappingBehindOnClose() {
        final Arena arena = arena().inPlaceGrowth(false).build();
        final long firstBase = arena.baseAddress();
        final long firstReserved = arena.stats().reservedBytes();
        arena.allocate(8 * segmentBytes);
        final long base = arena.baseAddress();
        final long reserved = arena.stats().reservedBytes();

        arena.close();

        assertEquals(List.of(), space.mappings(firstBase, firstBase + firstReserved));
        assertEquals(List.of(), space.mappings(base, base + reserved));
        arena.close();
    }

    /**
     * Issue 9: a run that fills the whole first reservation moves out of it, which used to end
     * the address space's lease on the arena's range on Linux (not on the simulator), so that
     * the vacated range could not be reserved again and close() failed with memory left mapped.
     * Default settings.
     */
    @Test
    void shouldKeepItsRangeWhenARunThatFilledTheFirstReservationMoves() {
        final Arena arena = Arena.builder().name("first-reservation").addressSpace(space).build();
        final LiveBlocks blocks = new LiveBlocks(space);
        final long segment = ArenaGeometry.DEFAULT_SEGMENT_BYTES;
        final LiveBlocks.Block big = allocateAndWrite(arena, blocks, 32 * segment, 41);
        allocateAndWrite(arena, blocks, 1, 42);

        big.handle = arena.reallocate(big.handle, 33 * segment);

        blocks.checkAll(arena::address, arena::capacity, "after the move");
        final long base = arena.baseAddress();
        final long reserved = arena.stats().reservedBytes();
        assertEquals(List.of("---"), protections(base, 32 * segment), "the vacated range is reserved again");
        final IllegalArgumentException held = assertThrows(IllegalArgumentException.class,
            () -> space.unmap(base, reserved));
        assertTrue(held.getMessage().contains("leased to arena 'first-reservation'"), "the whole range is still the "
            + "arena's: " + held.getMessage());
        arena.close();
        assertEquals(List.of(), space.mappings(base, base + reserved), "close unmapped everything");
    }

    /**
     * Issue 9: the address space an arena uses is public, but the arena's range is leased to it:
     * protect, unmap, DONTNEED, a move or a map over it from anyone else is refused, and every
     * byte stays.
     */
    @Test
    void shouldRefuseEveryoneElsesCallsOverItsRange() {
        final Arena arena = arena().name("leased").build();
        final LiveBlocks blocks = new LiveBlocks(space);
        allocateAndWrite(arena, blocks, 2 * segmentBytes, 51);
        allocateAndWrite(arena, blocks, 100, 52);
        final long base = arena.baseAddress();
        final long reserved = arena.stats().reservedBytes();
        final long page = space.pageSize();
        final long elsewhere = space.reserve(segmentBytes);
        final List<org.junit.jupiter.api.function.Executable> calls = List.of(
            () -> space.protect(base, segmentBytes, Protection.NONE),
            () -> space.advise(base, segmentBytes, io.vmarena.vm.Advice.DONTNEED),
            () -> space.unmap(base, reserved),
            () -> space.unmap(base + reserved - page, 2 * page),
            () -> space.remap(base, segmentBytes, segmentBytes, io.vmarena.vm.RemapFlags.MAYMOVE
                | io.vmarena.vm.RemapFlags.FIXED, elsewhere),
            () -> space.remap(elsewhere, segmentBytes, segmentBytes, io.vmarena.vm.RemapFlags.MAYMOVE
                | io.vmarena.vm.RemapFlags.FIXED, base + 3 * segmentBytes),
            () -> space.map(base, page, Protection.READ_WRITE, MapFlags.FIXED));
        for (final org.junit.jupiter.api.function.Executable call : calls) {
            final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, call);
            assertTrue(failure.getMessage().contains("leased to arena 'leased'"), failure.getMessage());
        }

        blocks.checkAll(arena::address, arena::capacity, "after the refused calls");
        blocks.blocks().get(0).handle = arena.reallocate(blocks.blocks().get(0).handle, 6 * segmentBytes);
        blocks.checkAll(arena::address, arena::capacity, "after a move");
        arena.close();
        space.unmap(elsewhere, segmentBytes);
        assertEquals(List.of(), space.mappings(base, base + reserved));
    }

    @Test
    void shouldGiveFreeSegmentsBeyondTheRetainedCeilingBack() {
        try (Arena arena = arena().initialBytes(8 * segmentBytes).retainedBytes(segmentBytes).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            for (int block = 0; block < 4; block++) {
                allocateAndWrite(arena, blocks, segmentBytes, block);
            }
            assertEquals(4 * segmentBytes, arena.residency().residentBytes());

            for (final LiveBlocks.Block block : blocks.blocks()) {
                arena.free(block.handle);
            }

            final ArenaStats stats = arena.stats();
            assertEquals(segmentBytes, stats.retainedBytes());
            assertEquals(segmentBytes, arena.residency().residentBytes(), "only the retained segment stays resident");
            assertEquals(0, stats.usedBytes());
            assertEquals(8, stats.freeSegments());
        }
    }

    @Test
    void shouldTrimDeterministically() {
        try (Arena arena = arena().initialBytes(8 * segmentBytes).retainedBytes(8 * segmentBytes).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            for (int block = 0; block < 4; block++) {
                allocateAndWrite(arena, blocks, segmentBytes, block);
            }
            for (final LiveBlocks.Block block : blocks.blocks()) {
                arena.free(block.handle);
            }
            assertEquals(4 * segmentBytes, arena.stats().retainedBytes());

            assertEquals(segmentBytes, arena.trim(1), "whole segments: one is enough for one byte");
            assertEquals(3 * segmentBytes, arena.residency().residentBytes());
            assertEquals(3 * segmentBytes, arena.trim(Long.MAX_VALUE));
            assertEquals(0, arena.trim(Long.MAX_VALUE), "nothing left to give back");
            assertEquals(0, arena.residency().residentBytes());
            assertEquals(0, arena.stats().retainedBytes());
        }
    }

    @Test
    void shouldGiveBackTheFreePagesOfSmallBlockSegments() {
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final int perPage = (int)(space.pageSize() / 1024);
            final List<LiveBlocks.Block> all = new ArrayList<>();
            for (int block = 0; block < 4 * perPage; block++) {
                all.add(allocateAndWrite(arena, blocks, 1024, block));
            }
            assertEquals(4 * space.pageSize(), arena.residency().residentBytes());
            // Free the last three pages' blocks: the first page keeps its blocks.
            for (int block = perPage; block < 4 * perPage; block++) {
                arena.free(all.get(block).handle);
            }

            assertEquals(3 * space.pageSize(), arena.trim(Long.MAX_VALUE));

            assertEquals(space.pageSize(), arena.residency().residentBytes());
            assertEquals(0, arena.trim(Long.MAX_VALUE), "the pages were given back already");
            for (int block = 0; block < perPage; block++) {
                blocks.check(arena.address(all.get(block).handle), block, 1024, "a live block in the kept page");
            }
        }
    }

    @Test
    void shouldReportStatsThatAgreeWithTheMappings() {
        try (Arena arena = arena().initialBytes(8 * segmentBytes).build()) {
            arena.allocate(64);
            arena.allocate(64);
            arena.allocate(60);
            arena.allocate(2 * segmentBytes);

            final ArenaStats stats = arena.stats();
            final long base = arena.baseAddress();
            final List<Mapping> mappings = space.mappings(base, base + stats.reservedBytes(), MappingSource.SMAPS);
            assertEquals(base, stats.baseAddress());
            assertEquals(8 * segmentBytes, stats.reservedBytes());
            assertEquals(3 * segmentBytes, stats.committedBytes());
            assertEquals(3 * 64 + 2 * segmentBytes, stats.usedBytes());
            assertEquals(1, stats.classSegments());
            assertEquals(2, stats.runSegments());
            assertEquals(5, stats.freeSegments());
            assertEquals(mappings.size(), stats.vmaCount());
            assertEquals(List.of("rw-", "---"), protections(base, stats.reservedBytes()));
            assertEquals(1 - (3 * 64 + 2 * segmentBytes) / (3.0 * segmentBytes), stats.fragmentation(), 1e-9);
            assertEquals(0, stats.lockedBytes());
        }
    }

    @Test
    void shouldRefuseAStaleHandleInCheckedModeAndAFreedOneAlways() {
        try (Arena arena = arena().build()) {
            final long first = arena.allocate(64);
            final long firstAddress = arena.address(first);
            arena.free(first);
            final long second = arena.allocate(64);
            assertEquals(firstAddress, arena.address(second), "the block is reused");

            final IllegalArgumentException stale = assertThrows(IllegalArgumentException.class, () -> arena.free(first));
            assertTrue(stale.getMessage().contains("stale"), stale.getMessage());
            arena.free(second);
            final IllegalArgumentException freed = assertThrows(IllegalArgumentException.class,
                () -> arena.free(second));
            assertTrue(freed.getMessage().contains("freed"), freed.getMessage());
        }
    }

    /**
     * A slot's generations never wrap while its segment stays in use: after 65,535 reuses the
     * slot retires (until its segment is given back) instead of handing its first handle out
     * again, so every handle it ever gave out stays refused. (Issue 9: with 16-bit generations
     * the 65,536th handle equalled the first, and address and free accepted the stale one.)
     */
    @Test
    void shouldNeverAcceptAStaleHandleWhenOneSlotIsReusedPastItsGenerations() {
        try (Arena arena = arena().build()) {
            final long keeper = arena.allocate(64); // keeps the segment in use throughout
            final long first = arena.allocate(64);
            final long slotAddress = arena.address(first);
            final java.util.Set<Long> handles = new java.util.HashSet<>();
            handles.add(first);
            long handle = first;
            for (int reuse = 1; reuse <= 70_000; reuse++) {
                arena.free(handle);
                handle = arena.allocate(64);
                assertTrue(handles.add(handle), "handle " + handle + " handed out twice, at reuse " + reuse);
            }
            final long current = handle;
            assertNotEquals(slotAddress, arena.address(current), "the slot retired after 65,535 reuses");
            final IllegalArgumentException stale = assertThrows(IllegalArgumentException.class,
                () -> arena.address(first));
            assertTrue(stale.getMessage().contains("stale"), stale.getMessage());
            final IllegalArgumentException lastOfSlot = assertThrows(IllegalArgumentException.class,
                () -> arena.free(first));
            assertTrue(lastOfSlot.getMessage().contains("stale"), lastOfSlot.getMessage());
            arena.free(current);
            arena.free(keeper);
        }
    }

    /**
     * Tags go round robin: the arena built next after one is closed has another tag, so the
     * closed arena's handles are refused by it. (Issue 9: the lowest free tag came back at once,
     * and the next arena accepted the closed one's first handle.)
     */
    @Test
    void shouldRefuseAClosedArenasHandleInTheNextArenaBuilt() {
        final long closedHandle;
        try (Arena closed = arena().build()) {
            closedHandle = closed.allocate(64);
        }
        try (Arena next = arena().build()) {
            final long own = next.allocate(64);
            final IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> next.address(closedHandle));
            assertTrue(other.getMessage().contains("another arena"), other.getMessage());
            assertThrows(IllegalArgumentException.class, () -> next.free(closedHandle));
            next.free(own);
        }
    }

    protected final LiveBlocks.Block allocateAndWrite(final Arena arena, final LiveBlocks blocks, final long lengthBytes,
        final long seed) {
        final LiveBlocks.Block block = blocks.add(arena.allocate(lengthBytes), lengthBytes, seed);
        blocks.write(arena.address(block.handle), block, 0);
        return block;
    }

    /** Three segments used: one of 1,000-byte blocks, and a run of two (1.5 segments asked for). */
    private void fillWithBlocks(final Arena arena, final LiveBlocks blocks) {
        final SplittableRandom random = new SplittableRandom(5);
        for (int block = 0; block < segmentBytes / 1024; block++) {
            allocateAndWrite(arena, blocks, 1000, random.nextLong());
        }
        allocateAndWrite(arena, blocks, segmentBytes + segmentBytes / 2, random.nextLong());
        assertEquals(3, arena.stats().classSegments() + arena.stats().runSegments());
    }

    private List<String> protections(final long address, final long lengthBytes) {
        final List<String> protections = new ArrayList<>();
        for (final Mapping mapping : space.mappings(address, address + lengthBytes)) {
            protections.add(mapping.protection().symbol());
        }
        return protections;
    }
}
