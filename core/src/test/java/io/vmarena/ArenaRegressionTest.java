package io.vmarena;

import io.vmarena.support.FailingAddressSpace;
import io.vmarena.support.LiveBlocks;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bugs a review found, each with the call sequence that showed it. */
class ArenaRegressionTest extends SimulatorFixture {
    private static final long SEGMENT_BYTES = 64L << 10;

    private Arena.Builder builder() {
        return Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).initialBytes(8 * SEGMENT_BYTES)
            .maximumBytes(256 * SEGMENT_BYTES);
    }

    @Test
    void shouldRefuseAFreedRunsHandleOnceItsSegmentHoldsSmallBlocks() {
        try (Arena arena = builder().build()) {
            final long run = arena.allocate(2 * SEGMENT_BYTES);
            arena.free(run);
            final long small = arena.allocate(16);
            assertTrue(small != run);
            final IllegalArgumentException stale = assertThrows(IllegalArgumentException.class,
                () -> arena.capacity(run));
            assertTrue(stale.getMessage().contains("stale"), stale.getMessage());
        }
    }

    @Test
    void shouldRefuseASmallBlocksHandleOnceItsSegmentServesAnotherClass() {
        try (Arena arena = builder().initialBytes(2 * SEGMENT_BYTES).maximumBytes(2 * SEGMENT_BYTES).build()) {
            final long first = arena.allocate(16);
            arena.free(first); // segment 0 stays the 16-byte class's current
            arena.free(arena.allocate(2 * SEGMENT_BYTES)); // takes both segments: the empty current goes
            final long other = arena.allocate(32); // segment 0 again, another class
            assertTrue(other != first);
            assertThrows(IllegalArgumentException.class, () -> arena.free(first));
        }
    }

    @Test
    void shouldLeaveALargeBlockWhereItWasWhenCommittingItsNewPlaceFails() {
        final FailingAddressSpace failing = new FailingAddressSpace(space);
        final LiveBlocks blocks = new LiveBlocks(failing);
        try (Arena arena = Arena.builder().addressSpace(failing).segmentBytes(SEGMENT_BYTES)
            .initialBytes(8 * SEGMENT_BYTES).build()) {
            final LiveBlocks.Block block = blocks.add(arena.allocate(SEGMENT_BYTES), SEGMENT_BYTES, 7);
            blocks.write(arena.address(block.handle), block, 0);
            arena.allocate(SEGMENT_BYTES); // after it: it cannot grow in place
            failing.failProtectAfter(0);

            final ArenaFullException failure = assertThrows(ArenaFullException.class,
                () -> arena.reallocate(block.handle, 3 * SEGMENT_BYTES));

            assertTrue(failure.getMessage().contains("could not commit"), failure.getMessage());
            blocks.checkAll(arena::address, arena::capacity, "after a failed reallocate");
            block.handle = arena.reallocate(block.handle, 3 * SEGMENT_BYTES);
            blocks.checkAll(arena::address, arena::capacity, "after the reallocate that worked");
        }
    }

    @Test
    void shouldLeaveALargeBlockWhereItWasWhenItsMoveFails() {
        final FailingAddressSpace failing = new FailingAddressSpace(space);
        final LiveBlocks blocks = new LiveBlocks(failing);
        try (Arena arena = Arena.builder().addressSpace(failing).segmentBytes(SEGMENT_BYTES)
            .initialBytes(8 * SEGMENT_BYTES).build()) {
            final LiveBlocks.Block block = blocks.add(arena.allocate(SEGMENT_BYTES), SEGMENT_BYTES, 8);
            blocks.write(arena.address(block.handle), block, 0);
            arena.allocate(SEGMENT_BYTES);
            final ArenaStats before = arena.stats();
            failing.failRemapAfter(0);

            final ArenaFullException failure = assertThrows(ArenaFullException.class,
                () -> arena.reallocate(block.handle, 3 * SEGMENT_BYTES));

            assertTrue(failure.getMessage().contains("the block is unchanged"), failure.getMessage());
            blocks.checkAll(arena::address, arena::capacity, "after a failed move");
            assertEquals(before.runSegments(), arena.stats().runSegments());
            assertEquals(before.freeSegments(), arena.stats().freeSegments());
        }
    }

    @Test
    void shouldGrowALargeBlockByMovingItWhenTheArenaIsAtItsMaximum() {
        try (Arena arena = builder().maximumBytes(8 * SEGMENT_BYTES).build()) {
            final long first = arena.allocate(3 * SEGMENT_BYTES);
            arena.allocate(4 * SEGMENT_BYTES);
            final long last = arena.allocate(SEGMENT_BYTES);
            arena.free(first);

            final long grown = arena.reallocate(last, 2 * SEGMENT_BYTES);

            assertEquals(2 * SEGMENT_BYTES, arena.capacity(grown));
        }
    }

    @Test
    void shouldLetReadersBackInOnlyOnceTheNewBaseIsSet() {
        final long[] baseReadersSee = new long[1];
        final ArenaRange[] range = new ArenaRange[1];
        final MoveGate gate = new MoveGate() {
            @Override
            public void close() {
            }

            @Override
            public void open() {
                baseReadersSee[0] = range[0].base(); // what a reader entering now computes addresses from
            }
        };
        range[0] = new ArenaRange("gate", space, gate, SEGMENT_BYTES, 4 * SEGMENT_BYTES, false, failure -> { });
        range[0].commit(0, 4);
        final List<long[]> wholeRange = List.of(new long[] {0, 4 * SEGMENT_BYTES});

        range[0].grow(8 * SEGMENT_BYTES, 64 * SEGMENT_BYTES, newBytes -> { }, wholeRange);

        assertEquals(range[0].base(), baseReadersSee[0]);
        range[0].close(List.of(new long[] {0, range[0].reservedBytes()}));
    }

    @Test
    @SuppressWarnings("try") // the sections are held for their effect, not referenced
    void shouldLetANestedReadSectionInWhileAMoveWaitsForTheOuterOne() throws InterruptedException {
        try (Arena arena = builder().threading(Threading.SHARED).inPlaceGrowth(false).build()) {
            final CountDownLatch outerOpen = new CountDownLatch(1);
            final CountDownLatch moverWaits = MoverWaits.latch(arena); // the gate's hook, not a sleep
            final CountDownLatch nestedDone = new CountDownLatch(1);
            final Thread reader = new Thread(() -> {
                try (ReadSection outer = arena.read()) {
                    outerOpen.countDown();
                    if (!moverWaits.await(10, TimeUnit.SECONDS)) {
                        return; // the assertion below reports it
                    }
                    try (ReadSection inner = arena.read()) {
                        nestedDone.countDown();
                    }
                } catch (final InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }, "reader");
            reader.start();
            outerOpen.await();
            final Thread mover = new Thread(() -> arena.allocate(16 * SEGMENT_BYTES), "mover");
            mover.start();

            assertTrue(moverWaits.await(10, TimeUnit.SECONDS), "the mover waits for the outer section");
            assertTrue(nestedDone.await(10, TimeUnit.SECONDS), "the nested section got in");
            reader.join();
            mover.join();
            assertEquals(1, arena.stats().moves());
        }
    }

    @Test
    void shouldCountEachPageTrimGivesBackOnce() {
        try (Arena arena = builder().build()) {
            final long pageSize = space.pageSize();
            final long[] handles = writtenBlocks(arena, pageSize, (int)(SEGMENT_BYTES / pageSize));
            for (int index = 1; index < handles.length - 1; index++) {
                arena.free(handles[index]);
            }

            assertEquals((handles.length - 2) * pageSize, arena.trim(Long.MAX_VALUE));
            assertEquals(0, arena.trim(Long.MAX_VALUE));

            handles[1] = arena.allocate(pageSize); // page 1 is written again
            space.written(arena.address(handles[1]), pageSize);
            arena.free(handles[1]);
            assertEquals(pageSize, arena.trim(Long.MAX_VALUE), "only the page used since");
        }
    }

    @Test
    void shouldGiveBackEveryFreePageOfBlocksLargerThanAPage() {
        try (Arena arena = builder().build()) {
            final long blockBytes = 2 * space.pageSize();
            final long[] handles = writtenBlocks(arena, blockBytes, (int)(SEGMENT_BYTES / blockBytes));
            for (int index = 1; index < handles.length; index++) {
                arena.free(handles[index]);
            }
            final long residentBefore = arena.stats().residentBytes();

            assertEquals((handles.length - 1) * blockBytes, arena.trim(Long.MAX_VALUE));

            assertEquals((handles.length - 1) * blockBytes, residentBefore - arena.stats().residentBytes());
        }
    }

    private long[] writtenBlocks(final Arena arena, final long blockBytes, final int count) {
        final long[] handles = new long[count];
        for (int index = 0; index < count; index++) {
            handles[index] = arena.allocate(blockBytes);
            new UnsafeBuffer(arena.address(handles[index]), (int)blockBytes).setMemory(0, (int)blockBytes, (byte)1);
            space.written(arena.address(handles[index]), blockBytes);
        }
        return handles;
    }
}
