package io.vmarena;

import io.vmarena.vm.MappingSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How an arena ends, on every address space: dropped without close() (a cleaner gives its
 * memory back and the leak is logged once), and closed by another thread once its owner has
 * ended. The garbage collector is asked, in a bounded loop, until the cleaner has reported
 * every dropped arena; nothing waits on time alone.
 */
public abstract class ArenaLifecycleContract extends ArenaFixture {
    /** System.gc() rounds before a dropped arena counts as never cleaned. */
    private static final int GC_ATTEMPTS = 100;

    private ArenaLeaks previousReporter;

    /** Runs before the fixture releases the address space (JUnit runs a subclass's @AfterEach first). */
    @AfterEach
    void restoreLeakReporter() {
        if (previousReporter != null) {
            ArenaLeaks.install(previousReporter);
        }
    }

    private Arena.Builder arena(final String name) {
        return Arena.builder().name(name).addressSpace(space).segmentBytes(segmentBytes).initialBytes(4 * segmentBytes);
    }

    @Test
    void shouldUnmapDroppedArenasAndReportEachLeakOnceWarningOnlyForTheFirst() throws InterruptedException {
        final LeakLog log = new LeakLog(3);
        previousReporter = ArenaLeaks.install(new ArenaLeaks(log, false));
        final long[][] ranges = buildAndDrop("dropped-" + System.nanoTime() + "-");

        awaitCleaned(log);
        for (final long[] range : ranges) {
            assertEquals(List.of(), space.mappings(range[0], range[0] + range[1], MappingSource.AUTO),
                "a dropped arena's range is unmapped");
        }
        assertEquals(3, log.records.size(), "one record per dropped arena: " + log.records);
        assertEquals(1, log.records.stream().filter(r -> r.level == System.Logger.Level.WARNING).count(),
            "the first leak is a warning, the rest are DEBUG: " + log.records);
        for (final LeakLog.Record record : log.records) {
            assertTrue(record.message.contains("became unreachable without close(): the cleaner unmapped its "
                + 4 * segmentBytes + " reserved bytes"), record.message);
            assertNull(record.thrown, "no build site is recorded unless asked for");
        }
        final LeakLog.Record warning = log.records.stream().filter(r -> r.level == System.Logger.Level.WARNING)
            .findFirst().orElseThrow();
        assertTrue(warning.message.contains("-Dvmarena.debug.leaks=true"), warning.message);
    }

    @Test
    void shouldReportWhereEachLeakedArenaWasBuiltWhenAsked() throws InterruptedException {
        final LeakLog log = new LeakLog(3);
        previousReporter = ArenaLeaks.install(new ArenaLeaks(log, true));
        buildAndDrop("traced-" + System.nanoTime() + "-");

        awaitCleaned(log);
        assertEquals(3, log.records.size(), "one record per dropped arena: " + log.records);
        for (final LeakLog.Record record : log.records) {
            assertEquals(System.Logger.Level.WARNING, record.level, "each leak is a warning when build sites are asked for");
            assertNotNull(record.thrown, record.message);
            assertTrue(Arrays.stream(record.thrown.getStackTrace())
                .anyMatch(frame -> frame.getMethodName().equals("buildAndDrop")), "the stack trace shows the build");
        }
    }

    @Test
    void shouldLetAnyThreadCloseAConfinedArenaOnceItsOwnerHasEnded() throws Exception {
        final AtomicReference<Arena> built = new AtomicReference<>();
        final Thread owner = new Thread(() -> {
            final Arena arena = arena("orphan").build();
            arena.allocate(64);
            built.set(arena);
        }, "short-lived-owner");
        owner.start();
        owner.join();
        final Arena orphan = built.get();
        final long base = orphan.baseAddress();

        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> orphan.allocate(64));
        assertTrue(refused.getMessage().contains("confined to thread 'short-lived-owner'") && refused.getMessage()
            .contains("that thread has ended, so only close() is allowed now"), refused.getMessage());

        orphan.close();
        assertEquals(List.of(), space.mappings(base, base + 4 * segmentBytes, MappingSource.AUTO));
        final IllegalStateException closed = assertThrows(IllegalStateException.class, () -> orphan.allocate(64));
        assertTrue(closed.getMessage().contains("arena 'orphan' is closed"), closed.getMessage());
        orphan.close();
    }

    @Test
    void shouldStillRefuseCloseFromAnotherThreadWhileTheOwnerLives() throws Exception {
        try (Arena arena = arena("owned").build()) {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread intruder = new Thread(() -> {
                try {
                    arena.close();
                } catch (final Throwable thrown) {
                    failure.set(thrown);
                }
            }, "intruder");
            intruder.start();
            intruder.join();
            assertTrue(failure.get() instanceof IllegalStateException, () -> "got " + failure.get());
            assertTrue(failure.get().getMessage().contains("build it with threading(Threading.SHARED)"),
                failure.get().getMessage());
            arena.allocate(64);
        }
    }

    /**
     * Builds three arenas and drops them: a confined one with memory in use, a shared one with
     * a read section left open (the cleaner must not wait for it), and an empty one.
     *
     * @return each arena's {base, reserved bytes}
     */
    private long[][] buildAndDrop(final String namePrefix) {
        final Arena confined = arena(namePrefix + "confined").build();
        final long handle = confined.allocate(3 * segmentBytes);
        confined.wrap(new org.agrona.concurrent.UnsafeBuffer(0, 0), handle);
        final Arena shared = arena(namePrefix + "shared").threading(Threading.SHARED).build();
        shared.allocate(64);
        shared.read(); // never closed
        final Arena empty = arena(namePrefix + "empty").build();
        return new long[][] {{confined.baseAddress(), 4 * segmentBytes}, {shared.baseAddress(), 4 * segmentBytes},
            {empty.baseAddress(), 4 * segmentBytes}};
    }

    private static void awaitCleaned(final LeakLog log) throws InterruptedException {
        for (int attempt = 0; attempt < GC_ATTEMPTS && log.pending.getCount() > 0; attempt++) {
            System.gc();
            log.pending.await(100, TimeUnit.MILLISECONDS);
        }
        assertEquals(0, log.pending.getCount(), "dropped arenas the cleaner never released after " + GC_ATTEMPTS
            + " System.gc() rounds: " + log.records);
    }

    /** A System.Logger that keeps what it is given and counts records down. */
    static final class LeakLog implements System.Logger {
        final List<Record> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch pending;

        LeakLog(final int expected) {
            pending = new CountDownLatch(expected);
        }

        static final class Record {
            final Level level;
            final String message;
            final Throwable thrown;

            Record(final Level level, final String message, final Throwable thrown) {
                this.level = level;
                this.message = message;
                this.thrown = thrown;
            }

            @Override
            public String toString() {
                return level + " " + message;
            }
        }

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(final Level level) {
            return true;
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String message, final Throwable thrown) {
            records.add(new Record(level, message, thrown));
            pending.countDown();
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String format, final Object... params) {
            records.add(new Record(level, java.text.MessageFormat.format(format, params), null));
            pending.countDown();
        }
    }
}
