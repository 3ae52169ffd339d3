package io.vmarena;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A move that waits longer than the arena's move wait warning for read sections says so, once per
 * wait, through the logger (captured here through the reporter's sink) and a JFR event, naming
 * the threads inside a section; a section left open by a thread that ended is named as such. The
 * move keeps waiting: the section is not taken from its thread.
 */
@SuppressWarnings("try") // sections are held for their effect, not referenced
class MoveWaitWarningTest extends SimulatorFixture {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final Duration WARNING = Duration.ofMillis(50);

    private Arena shared() {
        return Arena.builder().name("waits").addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES).maximumBytes(1024 * SEGMENT_BYTES)
            .inPlaceGrowth(false).moveWaitWarning(WARNING).build();
    }

    @Test
    void shouldReportOncePerWaitTheThreadsThatHoldAMoveOff(@TempDir final Path directory) throws Exception {
        final Path file = directory.resolve("waits.jfr");
        final List<String> messages = new CopyOnWriteArrayList<>();
        try (Recording recording = new Recording()) {
            recording.enable("io.vmarena.MoveWait");
            recording.start();
            try (Arena arena = shared()) {
                final CountDownLatch release = new CountDownLatch(1);
                try {
                    waitTwice(arena, messages, release);
                } finally {
                    // On failure too: lets a held-off mover finish, or the arena's close would wait for ever.
                    release.countDown();
                    arena.readSections().closeSectionsOfEndedThreads();
                }
            }
            recording.stop();
            recording.dump(file);
        }

        assertEquals(2, messages.size(), "once per wait: " + messages);
        final String first = messages.get(0);
        assertTrue(first.contains("arena 'waits'") && first.contains("'leaver'") && first.contains("terminated")
            && first.contains("(50 ms)"), first);
        final String second = messages.get(1);
        assertTrue(second.contains("'holder'") && second.contains("WAITING") && !second.contains("leaver"), second);
        final List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
            .filter(event -> event.getEventType().getName().equals("io.vmarena.MoveWait"))
            .sorted(Comparator.comparing(RecordedEvent::getStartTime)) // a recording is in order per thread only
            .collect(Collectors.toList());
        assertEquals(2, events.size(), events::toString);
        assertEquals("waits", events.get(0).getString("arena"));
        assertTrue(events.get(0).getString("threads").contains("'leaver'"), events.get(0)::toString);
        assertTrue(events.get(0).getDuration("waitedNanos").compareTo(WARNING) >= 0, events.get(0)::toString);
        assertTrue(events.get(1).getString("threads").contains("'holder'"), events.get(1)::toString);
    }

    /**
     * First a thread that opened a section and ended holds a move off, then a live one does; the
     * test lets each go once the wait was reported.
     */
    private static void waitTwice(final Arena arena, final List<String> messages, final CountDownLatch release)
        throws InterruptedException {
        final CountDownLatch[] reported = {new CountDownLatch(1)};
        arena.moveWaitReporter().sink(message -> {
            messages.add(message);
            reported[0].countDown();
        });

        final Thread leaver = new Thread(arena::read, "leaver"); // opens a section and ends
        leaver.start();
        leaver.join();
        final Thread mover = mover(arena, 8);
        mover.start();
        assertTrue(reported[0].await(30, TimeUnit.SECONDS), "the long wait was reported");
        assertTrue(mover.isAlive(), "the move still waits: the dead thread's section is not taken");
        assertEquals(1, arena.readSections().closeSectionsOfEndedThreads()); // the test lets it go
        mover.join();

        reported[0] = new CountDownLatch(1);
        final CountDownLatch inside = new CountDownLatch(1);
        final Thread holder = new Thread(() -> {
            try (ReadSection section = arena.read()) {
                inside.countDown();
                release.await();
            } catch (final InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }, "holder");
        holder.start();
        inside.await();
        final Thread secondMover = mover(arena, 40);
        secondMover.start();
        assertTrue(reported[0].await(30, TimeUnit.SECONDS), "the second wait was reported");
        release.countDown();
        secondMover.join();
        holder.join();
        assertEquals(2, arena.stats().moves());
    }

    @Test
    void shouldReportNothingWhenSectionsCloseInTime() throws Exception {
        final List<String> messages = new CopyOnWriteArrayList<>();
        try (Arena arena = Arena.builder().addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES).inPlaceGrowth(false).build()) {
            arena.moveWaitReporter().sink(messages::add);
            final ReadSection section = arena.read();
            final CountDownLatch moverWaits = MoverWaits.latch(arena);
            final Thread mover = mover(arena, 8);
            mover.start();
            assertTrue(moverWaits.await(30, TimeUnit.SECONDS));
            section.close();
            mover.join();
        }
        assertEquals(List.of(), messages, "the default warning is 10 s");
    }

    @Test
    void shouldRefuseAMoveWaitWarningThatIsNotPositive() {
        final Arena.Builder builder = Arena.builder();
        final IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
            () -> builder.moveWaitWarning(Duration.ZERO));
        assertTrue(zero.getMessage().contains("moveWaitWarning must be positive"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.moveWaitWarning(Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> builder.moveWaitWarning(null));
    }

    @Test
    void shouldTakeTheWarningFromTheBuilderThenThePropertyThenTheDefault() {
        final String before = System.getProperty(MoveWaitReporter.PROPERTY);
        try {
            System.clearProperty(MoveWaitReporter.PROPERTY);
            assertEquals(Duration.ofSeconds(10), MoveWaitReporter.warning(null));
            System.setProperty(MoveWaitReporter.PROPERTY, "250");
            assertEquals(Duration.ofMillis(250), MoveWaitReporter.warning(null));
            assertEquals(Duration.ofSeconds(3), MoveWaitReporter.warning(Duration.ofSeconds(3)));
            for (final String bad : new String[] {"0", "-5", "10s", ""}) {
                System.setProperty(MoveWaitReporter.PROPERTY, bad);
                final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> MoveWaitReporter.warning(null));
                assertTrue(refused.getMessage().contains(MoveWaitReporter.PROPERTY), refused.getMessage());
            }
            assertEquals(Long.MAX_VALUE, MoveWaitReporter.nanos(Duration.ofSeconds(Long.MAX_VALUE)));
        } finally {
            if (before == null) {
                System.clearProperty(MoveWaitReporter.PROPERTY);
            } else {
                System.setProperty(MoveWaitReporter.PROPERTY, before);
            }
        }
    }

    /** Allocates {@code segments} segments: more than the arena holds, so it grows by moving. */
    private static Thread mover(final Arena arena, final int segments) {
        final Thread mover = new Thread(() -> arena.allocate(segments * SEGMENT_BYTES), "mover");
        mover.setDaemon(true);
        return mover;
    }
}
