package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads against an arena's lifecycle, on the simulator: what a thread keeps of an arena it
 * used, a report of a long move wait that fails, close racing sections, movers and waiters, a
 * reader interrupted while a move holds it off, confined arenas closed by two threads at once.
 * Orderings come from the gate's hook or from a thread's state (parked, waiting for the lock),
 * never from sleeps; every wait is bounded.
 */
@SuppressWarnings("try") // sections are held for their effect
class ArenaThreadsTest extends SimulatorFixture {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final long AWAIT_SECONDS = 30;
    private static final int GC_ATTEMPTS = 50;

    /** Shared, and every growth moves the arena (so a growth waits for open sections). */
    private Arena.Builder shared() {
        return Arena.builder().name("threads").addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES)
            .inPlaceGrowth(false);
    }

    /**
     * A thread that used a shared arena kept that arena's sections (a ThreadLocal whose value
     * reached the ThreadLocal itself, through the gate's report of long waits) for as long as the
     * thread lived: a server thread that built, read and closed arenas leaked each one's
     * bookkeeping for good.
     */
    @Test
    void shouldKeepNothingOfAClosedArenaInTheThreadsThatUsedIt() throws Exception {
        final List<WeakReference<Object>> kept = useAndCloseOnThisThread();

        final ReferenceQueue<Object> queue = new ReferenceQueue<>();
        int collected = 0;
        for (int attempt = 0; attempt < GC_ATTEMPTS && collected < kept.size(); attempt++) {
            System.gc();
            collected = 0;
            for (final WeakReference<Object> reference : kept) {
                collected += reference.get() == null ? 1 : 0;
            }
            queue.remove(20); // a bounded pause between rounds, whatever it brings
        }
        assertNull(kept.get(0).get(), "the closed arena's sections are still reachable from the thread that used it");
        assertNull(kept.get(1).get(), "the closed arena's gate is still reachable from the thread that closed it");
    }

    /** Builds a shared arena, allocates and reads on this thread, closes it: weak references to its sections and gate. */
    private List<WeakReference<Object>> useAndCloseOnThisThread() {
        final Arena arena = shared().build();
        final long handle = arena.allocate(64);
        try (ReadSection section = arena.read()) {
            arena.address(handle);
        }
        arena.free(handle);
        final List<WeakReference<Object>> kept = List.of(new WeakReference<>(arena.readSections()),
            new WeakReference<>(arena.readPhaser()));
        arena.close();
        return kept;
    }

    /**
     * An open read section keeps its arena reachable: a program that dropped the arena but still
     * reads through an address inside a section (the arena's local variable was last used to
     * take the address) must not have the cleaner unmap the memory under it, which on Linux is
     * a crash. Once the section closes, the dropped arena is released as usual.
     */
    @Test
    void shouldNotReleaseADroppedArenaWhileASectionOfItIsOpen() throws Exception {
        for (final Threading threading : Threading.values()) {
            final ArenaLifecycleContract.LeakLog log = new ArenaLifecycleContract.LeakLog(1);
            final ArenaLeaks previous = ArenaLeaks.install(new ArenaLeaks(log, false));
            try {
                final long[] range = new long[2];
                ReadSection section = sectionOfADroppedArena(threading, range);

                for (int attempt = 0; attempt < 5; attempt++) {
                    System.gc();
                    assertFalse(log.pending.await(100, TimeUnit.MILLISECONDS),
                        threading + ": the cleaner released an arena whose section is open: " + log.records);
                }
                assertFalse(space.mappings(range[0], range[0] + range[1], MappingSource.AUTO).isEmpty());
                section.close();
                section = null;
                for (int attempt = 0; attempt < GC_ATTEMPTS && log.pending.getCount() > 0; attempt++) {
                    System.gc();
                    log.pending.await(100, TimeUnit.MILLISECONDS);
                }
                assertEquals(0, log.pending.getCount(), threading + ": released once the section closed");
                assertEquals(List.of(), space.mappings(range[0], range[0] + range[1], MappingSource.AUTO));
            } finally {
                ArenaLeaks.install(previous);
            }
        }
    }

    /** Builds an arena, writes a block, opens a section and drops the arena: the section, and the range in {@code range}. */
    private ReadSection sectionOfADroppedArena(final Threading threading, final long[] range) {
        final Arena arena = shared().threading(threading).name("dropped-" + threading).build();
        final LiveBlocks blocks = new LiveBlocks(space);
        final LiveBlocks.Block block = blocks.add(arena.allocate(100), 100, 9);
        final ReadSection section = arena.read();
        blocks.write(arena.address(block.handle), block, 0);
        range[0] = arena.baseAddress();
        range[1] = arena.stats().reservedBytes();
        return section;
    }

    /**
     * A simulator under an arena that was dropped but not yet cleaned refuses to close, naming
     * the arena, and is left whole: the cleaner then unmaps the arena, and the simulator closes.
     */
    @Test
    void shouldRefuseToCloseASimulatorUnderADroppedArenaUntilTheCleanerReleasedIt() throws Exception {
        final SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
        final ArenaLifecycleContract.LeakLog log = new ArenaLifecycleContract.LeakLog(1);
        final ArenaLeaks previous = ArenaLeaks.install(new ArenaLeaks(log, false));
        try {
            final long[] range = dropAnArenaOn(simulator);

            final IllegalStateException refused = assertThrows(IllegalStateException.class, simulator::close);

            assertTrue(refused.getMessage().contains("still leased to arena 'dropped-on-simulator'"),
                refused.getMessage());
            for (int attempt = 0; attempt < GC_ATTEMPTS && log.pending.getCount() > 0; attempt++) {
                System.gc();
                log.pending.await(100, TimeUnit.MILLISECONDS);
            }
            assertEquals(0, log.pending.getCount(), "the cleaner released the dropped arena");
            assertTrue(log.records.get(0).message.contains("the cleaner unmapped"), log.records.toString());
            assertEquals(List.of(), simulator.mappings(range[0], range[0] + range[1], MappingSource.AUTO));
            simulator.close();
        } finally {
            ArenaLeaks.install(previous);
        }
    }

    private static long[] dropAnArenaOn(final SimulatedAddressSpace simulator) {
        final Arena arena = Arena.builder().name("dropped-on-simulator").addressSpace(simulator)
            .threading(Threading.SHARED).segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES).build();
        arena.allocate(2 * SEGMENT_BYTES);
        return new long[] {arena.baseAddress(), 4 * SEGMENT_BYTES};
    }

    /**
     * A log handler that throws while a move reports its long wait (a custom java.util.logging
     * handler, say) must not abandon the move half way: the gate stayed closed for good, every
     * reader hung in read(), and the growth's new reservation was left mapped.
     */
    @Test
    void shouldFinishAMoveWhenReportingItsLongWaitThrows() throws Exception {
        final Logger logger = Logger.getLogger(Arena.class.getName());
        final CountDownLatch reported = new CountDownLatch(1);
        final Handler broken = new Handler() {
            @Override
            public void publish(final LogRecord record) {
                if (record.getMessage() != null && record.getMessage().contains("a move has waited")) {
                    reported.countDown();
                    throw new IllegalStateException("a broken log handler");
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(broken);
        try (Arena arena = shared().moveWaitWarning(Duration.ofNanos(1)).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final LiveBlocks.Block block = blocks.add(arena.allocate(3000), 3000, 7);
            final ReadSection section = arena.read();
            final CompletableFuture<Long> mover = async("mover", () -> arena.allocate(8 * SEGMENT_BYTES));
            try {
                blocks.write(arena.address(block.handle), block, 0);
                assertTrue(reported.await(AWAIT_SECONDS, TimeUnit.SECONDS), "the move reported its wait");
            } finally {
                section.close();
            }

            assertTrue(mover.get(AWAIT_SECONDS, TimeUnit.SECONDS) != 0, "the move finished");
            final long moves = async("reader", () -> {
                try (ReadSection again = arena.read()) {
                    blocks.check(arena.address(block.handle), block.seed, block.lengthBytes, "after the move");
                    return arena.stats().moves();
                }
            }).get(AWAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(1, moves, "readers get in again after the move");
        } finally {
            logger.removeHandler(broken);
        }
    }

    /**
     * A log handler of the move-wait report that calls back into the same arena runs on the
     * mover's thread, which holds the arena's lock (reentrant) with the gate closing: a change
     * went through in the middle of the move (a growth there would open the gate under the
     * outer move's readers), and read() waited for the mover's own gate, for good. Both are
     * refused with an IllegalStateException; the move then finishes.
     */
    @Test
    void shouldRefuseCallsBackIntoTheArenaFromItsOwnMoveWaitReport() throws Exception {
        final Logger logger = Logger.getLogger(Arena.class.getName());
        final Arena arena = shared().moveWaitWarning(Duration.ofNanos(1)).build();
        final List<Object> calledBack = new CopyOnWriteArrayList<>();
        final CountDownLatch reported = new CountDownLatch(1);
        final Handler reentrant = new Handler() {
            @Override
            public void publish(final LogRecord record) {
                if (record.getMessage() != null && record.getMessage().contains("arena 'threads': a move has waited")) {
                    calledBack.add(outcome(() -> arena.allocate(16)));
                    calledBack.add(outcome(() -> arena.stats()));
                    calledBack.add(outcome(() -> {
                        try (ReadSection section = arena.read()) {
                            return "entered";
                        }
                    }));
                    reported.countDown();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(reentrant);
        try {
            final ReadSection section = arena.read();
            final CompletableFuture<Long> mover = async("mover", () -> arena.allocate(8 * SEGMENT_BYTES));
            try {
                assertTrue(reported.await(AWAIT_SECONDS, TimeUnit.SECONDS), "the handler ran and returned");
            } finally {
                section.close();
            }
            mover.get(AWAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(3, calledBack.size(), calledBack::toString);
            for (final Object outcome : calledBack) {
                assertTrue(outcome instanceof IllegalStateException && ((Throwable)outcome).getMessage()
                    .contains("from the thread of a call of the arena under way"), () -> "got " + outcome);
            }
            assertEquals(1, arena.stats().moves());
        } finally {
            logger.removeHandler(reentrant);
            async("closer", () -> {
                arena.close();
                return null;
            }).get(AWAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** The move wait warning has no effect on a confined arena: a bad property does not stop one being built. */
    @Test
    void shouldBuildAConfinedArenaWhateverTheMoveWaitProperty() {
        final String before = System.getProperty(MoveWaitReporter.PROPERTY);
        try {
            System.setProperty(MoveWaitReporter.PROPERTY, "ten seconds");
            try (Arena confined = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).build()) {
                confined.free(confined.allocate(64));
            }
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> shared().build());
            assertTrue(refused.getMessage().contains(MoveWaitReporter.PROPERTY + "=ten seconds"), refused.getMessage());
            try (Arena fromBuilder = shared().moveWaitWarning(Duration.ofSeconds(1)).build()) {
                fromBuilder.free(fromBuilder.allocate(64)); // the builder's setting wins over the property
            }
        } finally {
            if (before == null) {
                System.clearProperty(MoveWaitReporter.PROPERTY);
            } else {
                System.setProperty(MoveWaitReporter.PROPERTY, before);
            }
        }
    }

    /**
     * close() while a thread is inside a section: the close waits for it, and meanwhile the
     * section's own calls neither hang nor read unmapped memory: stats (which may not wait for a
     * change that waits for the section), address, capacity and a nested read are refused as on
     * a closed arena; then the section closes and so does the arena.
     */
    @Test
    void shouldRefuseCallsInsideASectionThatACloseWaitsForWithoutHanging() throws Exception {
        final Arena arena = shared().build();
        final long handle = arena.allocate(64);
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        final List<String> refusals = new CopyOnWriteArrayList<>();
        final CompletableFuture<Object> reader = async("reader", () -> {
            try (ReadSection section = arena.read()) {
                inside.countDown();
                assertTrue(go.await(AWAIT_SECONDS, TimeUnit.SECONDS));
                for (final Executable call : new Executable[] {arena::stats, () -> arena.address(handle),
                    () -> arena.capacity(handle), arena::read}) {
                    refusals.add(assertThrows(IllegalStateException.class, call).getMessage());
                }
            }
            return null;
        });
        assertTrue(inside.await(AWAIT_SECONDS, TimeUnit.SECONDS));
        final CountDownLatch closeWaits = MoverWaits.latch(arena);
        final CompletableFuture<Object> closer = async("closer", () -> {
            arena.close();
            return null;
        });
        assertTrue(closeWaits.await(AWAIT_SECONDS, TimeUnit.SECONDS), "close waits for the section");
        go.countDown();

        reader.get(AWAIT_SECONDS, TimeUnit.SECONDS); // a call inside the section that hung fails here
        closer.get(AWAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(4, refusals.size());
        for (final String refused : refusals) {
            assertTrue(refused.contains("arena 'threads' is closed"), refused);
        }
        assertEquals(List.of(), space.mappings(arena.baseAddress(), arena.baseAddress() + 4 * SEGMENT_BYTES,
            MappingSource.AUTO), "closed once the section closed");
        arena.close();
    }

    /**
     * A mover waits for this thread's section; a writer and a closer then wait for the lock. The
     * block is still where this thread's address says; once the section closes, the move, the
     * write and the close all finish, in whatever order the lock grants, and the arena ends
     * closed with every call refused.
     */
    @Test
    void shouldLetAMoverAWriterAndACloserThatWaitForASectionAllFinishOnceItCloses() throws Exception {
        final Arena arena = shared().build();
        final LiveBlocks blocks = new LiveBlocks(space);
        final LiveBlocks.Block block = blocks.add(arena.allocate(5000), 5000, 3);
        final ReadSection section = arena.read();
        final long address = arena.address(block.handle);
        blocks.write(address, block, 0);
        final CountDownLatch moverWaits = MoverWaits.latch(arena);
        final Thread mover = daemon("mover", () -> arena.allocate(8 * SEGMENT_BYTES));
        final AtomicReference<Object> written = new AtomicReference<>();
        final Thread writer = daemon("writer", () -> written.set(outcome(() -> arena.allocate(64))));
        final AtomicReference<Object> closed = new AtomicReference<>();
        final Thread closer = daemon("closer", () -> closed.set(outcome(() -> {
            arena.close();
            return "closed";
        })));
        try {
            mover.start();
            assertTrue(moverWaits.await(AWAIT_SECONDS, TimeUnit.SECONDS));
            writer.start();
            closer.start();
            awaitWaiting(writer);
            awaitWaiting(closer);

            blocks.check(address, block.seed, block.lengthBytes, "through the section's address while all wait");
            assertEquals(0, arena.stats().moves(), "stats inside the section while the mover waits");
        } finally {
            section.close();
        }
        for (final Thread thread : new Thread[] {mover, writer, closer}) {
            thread.join(TimeUnit.SECONDS.toMillis(AWAIT_SECONDS));
            assertFalse(thread.isAlive(), thread.getName() + " still waits");
        }
        assertEquals("closed", closed.get());
        assertTrue(written.get() instanceof Long || written.get() instanceof IllegalStateException
            && ((Throwable)written.get()).getMessage().contains("is closed"), () -> "the writer got " + written.get());
        assertTrue(message(arena::read).contains("is closed"));
        assertTrue(message(() -> arena.allocate(1)).contains("is closed"));
    }

    /**
     * A reader held off by a move and interrupted meanwhile keeps waiting (it must not enter
     * while memory moves), keeps its interrupt, and reads the moved block once it is in.
     */
    @Test
    void shouldKeepAnInterruptedReaderOutUntilTheMoveEndsAndKeepItsInterrupt() throws Exception {
        try (Arena arena = shared().build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final LiveBlocks.Block block = blocks.add(arena.allocate(700), 700, 5);
            try (ReadSection section = arena.read()) {
                blocks.write(arena.address(block.handle), block, 0);
            }
            final ReadSection section = arena.read();
            final CountDownLatch moverWaits = MoverWaits.latch(arena);
            final Thread mover = daemon("mover", () -> arena.allocate(8 * SEGMENT_BYTES));
            final AtomicReference<Object> readerSaw = new AtomicReference<>();
            final AtomicBoolean interruptKept = new AtomicBoolean();
            final Thread reader = daemon("reader", () -> {
                try (ReadSection own = arena.read()) {
                    interruptKept.set(Thread.currentThread().isInterrupted());
                    readerSaw.set(arena.stats().moves());
                    new LiveBlocks(space).check(arena.address(block.handle), block.seed, block.lengthBytes, "moved");
                }
            });
            try {
                mover.start();
                assertTrue(moverWaits.await(AWAIT_SECONDS, TimeUnit.SECONDS));
                reader.start();
                awaitParked(reader);
                reader.interrupt();
                assertTrue(reader.isAlive() && readerSaw.get() == null, "the reader waits for the move");
            } finally {
                section.close();
            }
            reader.join(TimeUnit.SECONDS.toMillis(AWAIT_SECONDS));
            mover.join(TimeUnit.SECONDS.toMillis(AWAIT_SECONDS));
            assertFalse(reader.isAlive() || mover.isAlive());
            assertEquals(1L, readerSaw.get(), "the reader entered after the move");
            assertTrue(interruptKept.get(), "its interrupt survived the wait");
        }
    }

    /**
     * ReadSection promises that memory does not move while a section is open and that the calls
     * that may move it are refused inside one. A confined arena allowed them: allocate inside a
     * section grew the arena by moving it, and the address taken inside the section read the
     * old range (poison on the simulator, a crash on Linux).
     */
    @Test
    void shouldRefuseChangesFromInsideAConfinedArenasReadSectionAndKeepItsAddresses() {
        try (Arena confined = Arena.builder().name("confined").addressSpace(space).segmentBytes(SEGMENT_BYTES)
            .initialBytes(4 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES).inPlaceGrowth(false).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final LiveBlocks.Block block = blocks.add(confined.allocate(900), 900, 13);
            try (ReadSection outer = confined.read(); ReadSection inner = confined.read()) {
                final long address = confined.address(block.handle);
                blocks.write(address, block, 0);
                for (final Executable call : new Executable[] {() -> confined.allocate(8 * SEGMENT_BYTES),
                    () -> confined.free(block.handle), () -> confined.reallocate(block.handle, 4 * SEGMENT_BYTES),
                    () -> confined.trim(Long.MAX_VALUE), confined::close}) {
                    final IllegalStateException refused = assertThrows(IllegalStateException.class, call);
                    assertTrue(refused.getMessage().contains("from inside a read section"), refused.getMessage());
                }
                assertEquals(0, confined.stats().moves(), "stats is allowed inside");
                blocks.check(address, block.seed, block.lengthBytes, "through the address taken inside the section");
            }
            confined.allocate(8 * SEGMENT_BYTES); // outside: it grows by moving
            assertEquals(1, confined.stats().moves());
            blocks.checkAll(confined::address, confined::capacity, "after the move");
        }
    }

    /**
     * A confined arena's changes are refused until its owner's last section closes, whichever
     * closes last, and stay refused (as closed) when the arena closed meanwhile: the fast path
     * folds thread, closed and sections into one field that each of these steps must set right.
     */
    @Test
    void shouldLetAConfinedArenaChangeAgainOnlyWhenItsLastSectionCloses() {
        final Arena confined = Arena.builder().name("confined").addressSpace(space).segmentBytes(SEGMENT_BYTES)
            .initialBytes(4 * SEGMENT_BYTES).build();
        final long block = confined.allocate(64);
        final ReadSection outer = confined.read();
        final ReadSection inner = confined.read();
        outer.close(); // out of order: the inner one is still open
        final IllegalStateException stillInside = assertThrows(IllegalStateException.class, () -> confined.free(block));
        assertTrue(stillInside.getMessage().contains("from inside a read section"), stillInside.getMessage());
        outer.close(); // closing again changes nothing
        assertThrows(IllegalStateException.class, () -> confined.allocate(64));
        inner.close();
        confined.free(block);
        confined.free(confined.allocate(64));
        final ReadSection last = confined.read();
        last.close();
        confined.free(confined.allocate(64));
        confined.close();
        final IllegalStateException closed = assertThrows(IllegalStateException.class, () -> confined.allocate(64));
        assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
    }

    /** Two threads close a confined arena at once after its owner ended: it is unmapped once, and both return. */
    @Test
    void shouldCloseAConfinedArenaOnceWhenTwoThreadsCloseItAtOnceAfterItsOwnerEnded() throws Exception {
        for (int round = 0; round < 20; round++) {
            final AtomicReference<Arena> built = new AtomicReference<>();
            final Thread owner = new Thread(() -> {
                final Arena arena = Arena.builder().name("orphan").addressSpace(space).segmentBytes(SEGMENT_BYTES)
                    .initialBytes(4 * SEGMENT_BYTES).build();
                arena.allocate(3 * SEGMENT_BYTES);
                built.set(arena);
            }, "owner");
            owner.start();
            owner.join();
            final Arena orphan = built.get();
            final CyclicBarrier together = new CyclicBarrier(2);
            final List<CompletableFuture<Object>> closers = new ArrayList<>();
            for (int index = 0; index < 2; index++) {
                closers.add(async("closer-" + index, () -> {
                    together.await(AWAIT_SECONDS, TimeUnit.SECONDS);
                    orphan.close();
                    return null;
                }));
            }
            for (final CompletableFuture<Object> closer : closers) {
                closer.get(AWAIT_SECONDS, TimeUnit.SECONDS);
            }
            assertEquals(List.of(), space.mappings(orphan.baseAddress(), orphan.baseAddress() + 4 * SEGMENT_BYTES,
                MappingSource.AUTO));
            assertTrue(message(() -> orphan.allocate(1)).contains("is closed"));
        }
    }

    /** Runs {@code call} on a new daemon thread (not the common pool, which may have one thread here). */
    private static <T> CompletableFuture<T> async(final String name, final Callable<T> call) {
        final CompletableFuture<T> result = new CompletableFuture<>();
        daemon(name, () -> {
            try {
                result.complete(call.call());
            } catch (final Throwable thrown) {
                result.completeExceptionally(thrown);
            }
        }).start();
        return result;
    }

    private static Thread daemon(final String name, final Runnable body) {
        final Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Waits (bounded) until {@code thread} blocks on a lock or parks without a timeout. */
    private static void awaitWaiting(final Thread thread) throws InterruptedException {
        awaitState(thread, Thread.State.WAITING);
    }

    /** Waits (bounded) until {@code thread} parks with a timeout: the gate's wait for a move to end. */
    private static void awaitParked(final Thread thread) throws InterruptedException {
        awaitState(thread, Thread.State.TIMED_WAITING);
    }

    private static void awaitState(final Thread thread, final Thread.State state) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
        while (thread.getState() != state) {
            assertTrue(System.nanoTime() < deadline, () -> thread.getName() + " never reached " + state + ": "
                + thread.getState());
            assertTrue(thread.isAlive() || thread.getState() == Thread.State.NEW, thread.getName() + " ended");
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** The message of the IllegalStateException {@code call} throws, within a bound (a hang fails). */
    private static String message(final Executable call) {
        final CompletableFuture<Throwable> thrown = async("caller", () -> assertThrows(IllegalStateException.class,
            call));
        try {
            return thrown.get(AWAIT_SECONDS, TimeUnit.SECONDS).getMessage();
        } catch (final Exception failed) {
            throw new AssertionError("the call did not throw IllegalStateException in time", failed);
        }
    }

    private static Object outcome(final Callable<Object> call) {
        try {
            return call.call();
        } catch (final Throwable thrown) {
            return thrown;
        }
    }
}
