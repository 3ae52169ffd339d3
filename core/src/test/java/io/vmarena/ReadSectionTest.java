package io.vmarena;

import io.vmarena.support.LiveBlocks;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Read sections of a shared arena, on the simulator (which poisons what a move leaves with 0xA5,
 * so a read of an old address shows instead of crashing): a section belongs to the thread that
 * opened it, a thread holds moves off until its last section closes in whatever order, and
 * {@code stats()} works inside a section even while a mover waits for it. Orderings come from
 * the gate's hook (a mover has started to wait), never from sleeps.
 */
@SuppressWarnings("try") // sections are held for their effect, not referenced
class ReadSectionTest extends SimulatorFixture {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final long AWAIT_SECONDS = 30;

    /** Shared, and every growth moves the arena (so a growth waits for open sections). */
    private Arena shared() {
        return Arena.builder().name("sections").addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES)
            .inPlaceGrowth(false).build();
    }

    /** More than the arena holds: the arena grows by moving. */
    private static Thread mover(final Arena arena, final Runnable after) {
        final Thread mover = new Thread(() -> {
            arena.allocate(8 * SEGMENT_BYTES);
            after.run();
        }, "mover");
        mover.setDaemon(true);
        return mover;
    }

    @Test
    void shouldRefuseToCloseASectionFromAnotherThreadAndChangeNothing() throws Exception {
        try (Arena arena = shared()) {
            arena.allocate(64); // the class segment is there: a later small allocate does not grow
            final ReadSection opened = arena.read();

            final Object closed = on("closer", () -> {
                opened.close();
                return null;
            });

            assertInstanceOf(IllegalStateException.class, closed, "closing another thread's section");
            assertTrue(((Throwable)closed).getMessage().contains("belongs to"), ((Throwable)closed).getMessage());
            final Object closersOwn = on("closer", () -> {
                try (ReadSection own = arena.read()) {
                    return arena.allocate(16); // its nesting is intact: refused inside its own section
                }
            });
            assertInstanceOf(IllegalStateException.class, closersOwn, "allocate inside the closer's own section");
            final CountDownLatch moverWaits = MoverWaits.latch(arena);
            final Thread mover = mover(arena, () -> { });
            mover.start();
            assertTrue(moverWaits.await(AWAIT_SECONDS, TimeUnit.SECONDS), "the opener's section holds the move off");
            assertTrue(mover.isAlive());
            opened.close();
            mover.join();
            assertEquals(1, arena.stats().moves());
        }
    }

    @Test
    void shouldHoldMovesOffUntilTheLastSectionClosesWhenTheOuterClosesFirst() throws Exception {
        try (Arena arena = shared()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final LiveBlocks.Block block = blocks.add(arena.allocate(4096), 4096, 11);
            try (ReadSection section = arena.read()) {
                blocks.write(arena.address(block.handle), block, 0);
            }
            final ReadSection outer = arena.read();
            final ReadSection inner = arena.read();
            outer.close();
            final long address = arena.address(block.handle);
            // Read on once the mover waits for this thread's inner section, or (the bug) has moved.
            final CountDownLatch moverWaitsOrMoved = MoverWaits.latch(arena);
            final Thread mover = mover(arena, moverWaitsOrMoved::countDown);
            mover.start();
            assertTrue(moverWaitsOrMoved.await(AWAIT_SECONDS, TimeUnit.SECONDS));

            blocks.check(address, block.seed, block.lengthBytes, "read through the inner section's address");

            assertTrue(mover.isAlive(), "the move waits for the inner section");
            inner.close();
            mover.join();
            assertEquals(1, arena.stats().moves());
            try (ReadSection section = arena.read()) {
                blocks.check(arena.address(block.handle), block.seed, block.lengthBytes, "after the move");
            }
        }
    }

    @Test
    void shouldLeaveThePhaserWhenTheLastOfManySectionsClosesInAnyOrder() throws Exception {
        try (Arena arena = shared()) {
            final ReadSection[] sections = new ReadSection[4];
            for (int index = 0; index < sections.length; index++) {
                sections[index] = arena.read();
            }
            final CountDownLatch moverWaits = MoverWaits.latch(arena);
            final Thread mover = mover(arena, () -> { });
            mover.start();
            assertTrue(moverWaits.await(AWAIT_SECONDS, TimeUnit.SECONDS));
            for (final int index : new int[] {1, 3, 0}) {
                sections[index].close();
                sections[index].close(); // twice: nothing the second time
                assertTrue(mover.isAlive(), "a section is still open");
            }
            sections[2].close();
            mover.join();
            assertEquals(1, arena.stats().moves());
            assertThrows(IllegalStateException.class, () -> {
                try (ReadSection again = arena.read()) {
                    arena.free(arena.allocate(16)); // inside a section again: refused, so depth is right
                }
            });
            arena.free(arena.allocate(16)); // and outside it is not
        }
    }

    @Test
    void shouldTakeStatsInsideASectionWhileAMoverWaitsForIt() throws Exception {
        try (Arena arena = shared()) {
            final long handle = arena.allocate(SEGMENT_BYTES);
            final ArenaStats before = arena.stats();
            final ReadSection section = arena.read();
            try {
                final CountDownLatch moverWaits = MoverWaits.latch(arena);
                final Thread mover = mover(arena, () -> { });
                mover.start();
                assertTrue(moverWaits.await(AWAIT_SECONDS, TimeUnit.SECONDS));

                final ArenaStats inside = arena.stats(); // the mover holds the lock and waits for this section

                assertEquals(before.baseAddress(), inside.baseAddress());
                assertEquals(before.reservedBytes(), inside.reservedBytes());
                assertEquals(before.usedBytes(), inside.usedBytes());
                assertEquals(0, inside.moves());
                assertTrue(mover.isAlive());
                section.close();
                mover.join();
            } finally {
                section.close(); // on failure: lets the mover finish (twice does nothing)
            }
            assertEquals(1, arena.stats().moves());
            assertEquals(SEGMENT_BYTES, arena.capacity(handle));
        }
    }

    @Test
    void shouldTakeConsistentStatsInsideASectionWhileAGrowthInPlaceWaitsForIt() throws Exception {
        try (Arena arena = Arena.builder().addressSpace(space).threading(Threading.SHARED).segmentBytes(SEGMENT_BYTES)
            .initialBytes(4 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES).build()) {
            arena.allocate(100);
            final ArenaStats before = arena.stats();
            final ReadSection section = arena.read();
            try {
                final CountDownLatch moverWaits = MoverWaits.latch(arena);
                final Thread grower = mover(arena, () -> { });
                grower.start();
                assertTrue(moverWaits.await(AWAIT_SECONDS, TimeUnit.SECONDS));

                final ArenaStats inside = arena.stats(); // as readers see it: the growth is not visible yet

                assertEquals(before, inside);
                section.close();
                grower.join();
            } finally {
                section.close(); // on failure: lets the grower finish (twice does nothing)
            }
            final ArenaStats after = arena.stats();
            assertEquals(1, after.grows());
            assertEquals(0, after.moves(), "it grew in place");
            assertEquals(after.reservedBytes(), SEGMENT_BYTES
                * (after.freeSegments() + after.classSegments() + after.runSegments()));
        }
    }

    @Test
    void shouldNotLetAClosedSectionsObjectCloseTheThreadsNextSections() throws Exception {
        try (Arena arena = shared()) {
            final ReadSection kept = arena.read();
            kept.close();
            for (int index = 0; index < ThreadSections.REUSE_DISTANCE - 1; index++) {
                try (ReadSection other = arena.read()) {
                    assertTrue(other != kept, "handed out again after " + index + " sections");
                }
            }
            final ReadSection current = arena.read();
            assertTrue(current != kept);
            kept.close(); // a reference kept too long: nothing happens
            final CountDownLatch moverWaits = MoverWaits.latch(arena);
            final Thread mover = mover(arena, () -> { });
            mover.start();
            assertTrue(moverWaits.await(AWAIT_SECONDS, TimeUnit.SECONDS), "the current section holds the move off");
            assertTrue(mover.isAlive());
            current.close();
            mover.join();
            assertEquals(1, arena.stats().moves());
        }
    }

    @Test
    void shouldRefuseASectionPastTheMostAThreadMayHaveOpen() throws Exception {
        try (Arena arena = shared()) {
            final ReadSection[] sections = new ReadSection[ThreadSections.MAX_OPEN_SECTIONS];
            for (int index = 0; index < sections.length; index++) {
                sections[index] = arena.read();
            }
            final IllegalStateException refused = assertThrows(IllegalStateException.class, arena::read);
            assertTrue(refused.getMessage().contains("65536 read sections"), refused.getMessage());
            for (final ReadSection section : sections) {
                section.close();
            }
            arena.allocate(8 * SEGMENT_BYTES); // all closed: it moves at once
            assertEquals(1, arena.stats().moves());
        }
    }

    @Test
    void shouldKeepTheMoversInterruptWhileItWaitsForASection() throws Exception {
        try (Arena arena = shared()) {
            final ReadSection section = arena.read();
            final CountDownLatch moverWaits = MoverWaits.latch(arena);
            final AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
            final Thread mover = new Thread(() -> {
                Thread.currentThread().interrupt(); // a move is not abandoned half way, and the flag survives it
                arena.allocate(8 * SEGMENT_BYTES);
                interruptedAfter.set(Thread.interrupted());
            }, "mover");
            mover.start();
            assertTrue(moverWaits.await(AWAIT_SECONDS, TimeUnit.SECONDS));
            section.close();
            mover.join();
            assertEquals(Boolean.TRUE, interruptedAfter.get());
            assertEquals(1, arena.stats().moves());
        }
    }

    @Test
    void shouldTakeStatsInsideASectionWhenNoChangeIsUnderWay() {
        try (Arena arena = shared()) {
            arena.allocate(100);
            final ArenaStats outside = arena.stats();
            try (ReadSection outer = arena.read(); ReadSection inner = arena.read()) {
                assertEquals(outside, arena.stats());
            }
        }
    }

    @Test
    void shouldRefuseToCloseAConfinedArenasSectionFromAnotherThread() throws Exception {
        try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).build()) {
            final ReadSection section = arena.read();
            final Object closed = on("closer", () -> {
                section.close();
                return null;
            });
            assertInstanceOf(IllegalStateException.class, closed);
            section.close();
            section.close();
        }
    }

    /** Runs {@code call} on a new thread named {@code name}: its result, or what it threw. */
    private static Object on(final String name, final Callable<Object> call) throws InterruptedException {
        final AtomicReference<Object> outcome = new AtomicReference<>();
        final Thread thread = new Thread(() -> {
            try {
                outcome.set(call.call());
            } catch (final Throwable thrown) {
                outcome.set(thrown);
            }
        }, name);
        thread.start();
        thread.join();
        return outcome.get();
    }
}
