package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pinning on every address space: what {@code stats()} says is locked agrees with what the
 * address space says (VmLck, and the VMAs' lock flags and Locked pages) after pin, growth,
 * reallocation, compaction, free, unpin and close, and every byte survives. The memory the
 * arena holds (segments in use and retained) is what is locked; free segments beyond the
 * retained ceiling are unlocked and given back.
 */
public abstract class PinningContract extends ArenaFixture {
    protected Arena.Builder arena() {
        return Arena.builder().name(getClass().getSimpleName()).addressSpace(space).segmentBytes(segmentBytes)
            .initialBytes(8 * segmentBytes).maximumBytes(512 * segmentBytes).retainedBytes(2 * segmentBytes)
            .compactionPauseBudget(Duration.ofSeconds(60));
    }

    @Test
    void shouldLockWhatTheArenaHoldsAndAgreeWithTheAddressSpace() {
        final long lockedBefore = space.lockedBytes();
        try (Arena arena = arena().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            fill(arena, blocks, new SplittableRandom(1), 40, segmentBytes / 8);
            final ArenaStats before = arena.stats();

            final PinStatus status = arena.pin();

            assertEquals(PinState.PINNED, status.state(), status::reason);
            assertEquals(heldBytes(arena), status.pinnedBytes(), "every segment in use or retained is locked");
            assertTrue(status.pinnedBytes() > 0, "a pin test must lock something");
            assertAgrees(arena, lockedBefore, "after pin");
            final ArenaStats after = arena.stats();
            assertEquals(before.usedBytes(), after.usedBytes(), "a pin changes no bookkeeping");
            assertEquals(before.fragmentation(), after.fragmentation());
            assertEquals(before.committedBytes(), after.committedBytes());
            assertEquals(before.vmaCount(), after.vmaCount(), "all held memory locked: the VMAs as before");
            blocks.checkAll(arena::address, arena::capacity, "after pin");
        }
        assertEquals(lockedBefore, space.lockedBytes(), "close unmaps the locked memory: VmLck is back");
    }

    @Test
    void shouldStayPinnedThroughGrowthReallocationFreeAndCompaction() {
        final long lockedBefore = space.lockedBytes();
        try (Arena arena = arena().inPlaceGrowth(false).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final SplittableRandom random = new SplittableRandom(2);
            fill(arena, blocks, random, 10, segmentBytes / 8);
            assertEquals(PinState.PINNED, arena.pin().state());

            // Runs of one to three segments, past the initial 8: the arena grows by moving.
            for (int index = 0; index < 30; index++) {
                add(arena, blocks, (1 + random.nextInt(3)) * segmentBytes - random.nextInt(64), random);
            }
            assertTrue(arena.stats().moves() > 0, "the arena grew by moving");
            assertAgrees(arena, lockedBefore, "after growth");

            // A large block hemmed in by the next run grows by moving to the end.
            final LiveBlocks.Block large = add(arena, blocks, 3 * segmentBytes, random);
            add(arena, blocks, segmentBytes, random);
            final long movesBefore = arena.stats().moves();
            large.handle = arena.reallocate(large.handle, 40 * segmentBytes);
            assertTrue(arena.stats().moves() > movesBefore, "the large block moved to grow");
            assertAgrees(arena, lockedBefore, "after a large block moved to grow");

            for (int index = blocks.size() - 2; index >= 10; index -= 2) {
                arena.free(blocks.remove(index).handle);
            }
            assertAgrees(arena, lockedBefore, "after frees past the retained ceiling");
            assertTrue(arena.stats().retainedBytes() <= 2 * segmentBytes, () -> "free segments beyond the ceiling "
                + "were unlocked and given back: " + arena.stats());
            blocks.checkAll(arena::address, arena::capacity, "after frees");

            final CompactionResult result = arena.compact();
            assertTrue(result.complete(), result::toString);
            assertTrue(result.movedBytes() > 0, () -> "the frees left holes to slide over: " + result);
            assertAgrees(arena, lockedBefore, "after compaction");
            blocks.checkAll(arena::address, arena::capacity, "after compaction");

            final PinStatus unpinned = arena.unpin();
            assertEquals(PinState.UNPINNED, unpinned.state());
            assertEquals(0, unpinned.pinnedBytes());
            assertEquals(lockedBefore, space.lockedBytes(), "unpin unlocks everything");
            blocks.checkAll(arena::address, arena::capacity, "after unpin");
        }
        assertEquals(lockedBefore, space.lockedBytes());
    }

    private static LiveBlocks.Block add(final Arena arena, final LiveBlocks blocks, final long lengthBytes,
        final SplittableRandom random) {
        final long handle = arena.allocate(lengthBytes);
        final LiveBlocks.Block block = blocks.add(handle, lengthBytes, random.nextLong());
        blocks.write(arena.address(handle), block, 0);
        return block;
    }

    @Test
    void shouldTrimUnlockedFreeSegmentsAndKeepThePinnedPagesOfSegmentsInUse() {
        final long lockedBefore = space.lockedBytes();
        try (Arena arena = arena().retainedBytes(64 * segmentBytes).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final SplittableRandom random = new SplittableRandom(5);
            final List<Long> small = new ArrayList<>();
            for (int index = 0; index < 64; index++) {
                small.add(add(arena, blocks, 64, random).handle);
            }
            final List<LiveBlocks.Block> large = new ArrayList<>();
            for (int index = 0; index < 4; index++) {
                large.add(add(arena, blocks, 2 * segmentBytes, random));
            }
            arena.pin();
            for (final LiveBlocks.Block block : large) {
                arena.free(block.handle);
                blocks.blocks().remove(block);
            }
            for (int index = 0; index < 60; index++) { // most small blocks: their segment stays in use
                arena.free(small.get(index));
            }
            blocks.blocks().removeIf(block -> small.subList(0, 60).contains(block.handle));
            assertEquals(8 * segmentBytes, arena.stats().retainedBytes(), "the freed runs are retained, locked");
            assertAgrees(arena, lockedBefore, "retained segments stay locked");

            final long givenBytes = arena.trim(Long.MAX_VALUE);

            assertEquals(8 * segmentBytes, givenBytes, "the retained segments, unlocked first; not the pinned pages "
                + "of the small blocks' segment");
            assertEquals(0, arena.stats().retainedBytes());
            assertAgrees(arena, lockedBefore, "after trim");
            blocks.checkAll(arena::address, arena::capacity, "after trim");
        }
    }

    @Test
    void shouldRefuseResidencyCallsOnAClosedArenaAndFromAnotherThread() throws Exception {
        final Arena arena = arena().build();
        final Throwable[] fromOther = new Throwable[1];
        final Thread other = new Thread(() -> {
            try {
                arena.pin();
            } catch (final Throwable refused) {
                fromOther[0] = refused;
            }
        });
        other.start();
        other.join();
        assertEquals(IllegalStateException.class, fromOther[0].getClass(), String.valueOf(fromOther[0]));
        arena.close();
        assertThrows(IllegalStateException.class, arena::pin);
        assertThrows(IllegalStateException.class, arena::unpin);
        assertThrows(IllegalStateException.class, arena::populate);
    }

    /** The bytes the arena holds: segments in use and retained (what a pin locks). */
    private long heldBytes(final Arena arena) {
        final ArenaStats stats = arena.stats();
        return (long)(stats.classSegments() + stats.runSegments()) * segmentBytes + stats.retainedBytes();
    }

    /**
     * stats() against the address space: pinnedBytes is the arena's share of VmLck, equal to the
     * bytes it holds (wholly pinned) and to the bytes of its locked VMAs; lockedBytes is their
     * Locked pages.
     */
    private void assertAgrees(final Arena arena, final long lockedBefore, final String step) {
        final ArenaStats stats = arena.stats();
        assertEquals(PinState.PINNED, stats.pin().state(), step + ": " + stats.pin().reason());
        assertEquals(heldBytes(arena), stats.pin().pinnedBytes(), step + ": the arena holds what it locked");
        assertEquals(lockedBefore + stats.pin().pinnedBytes(), space.lockedBytes(), step + ": VmLck grew by pinnedBytes");
        long lockedVmaBytes = 0;
        long lockedPageBytes = 0;
        for (final Mapping vma : space.mappings(stats.baseAddress(), stats.baseAddress() + stats.reservedBytes(),
            MappingSource.SMAPS)) {
            if (vma.locked()) {
                lockedVmaBytes += vma.lengthBytes();
                // 6.1's smaps shows no lf: there the lock mode cannot be seen.
                assertTrue(vma.lockOnFault() || !space.capabilities().lockOnFaultShown().available(),
                    step + ": locked on fault, not populated: " + vma);
            }
            lockedPageBytes += vma.lockedPages() * space.pageSize();
        }
        assertEquals(stats.pin().pinnedBytes(), lockedVmaBytes, step + ": the locked VMAs");
        assertEquals(lockedPageBytes, arena.residency().lockedBytes(), step + ": Locked of the range");
        assertTrue(stats.lockedBytes() >= lockedPageBytes, step + ": the account is an upper bound: " + stats);
    }

    private static void fill(final Arena arena, final LiveBlocks blocks, final SplittableRandom random, final int count,
        final long maxBytes) {
        final List<Long> handles = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            final long lengthBytes = 1 + random.nextLong(maxBytes);
            final long handle = arena.allocate(lengthBytes);
            handles.add(handle);
            final LiveBlocks.Block block = blocks.add(handle, lengthBytes, random.nextLong());
            blocks.write(arena.address(handle), block, 0);
        }
    }
}
