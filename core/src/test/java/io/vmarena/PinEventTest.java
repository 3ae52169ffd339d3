package io.vmarena;

import io.vmarena.vm.LockBudget;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each decision of a pinning round shows in Java Flight Recorder as io.vmarena.Pin. */
class PinEventTest {
    private static final long PAGE = 4096;

    @Test
    void shouldRecordEachDecisionWithItsRankAndBudget(@TempDir final Path directory) throws IOException {
        final Path file = directory.resolve("pin.jfr");
        final List<String> log = FakePinnable.log();
        final FakePinnable hot = new FakePinnable("hot", 12 * PAGE, log);
        final FakePinnable cool = new FakePinnable("cool", 12 * PAGE, log);
        final Object space = new Object();
        try (Recording recording = new Recording();
            PinningPolicy policy = PinningPolicy.builder().manual().build()) {
            recording.enable("io.vmarena.Pin");
            recording.start();
            policy.register(hot, hot, 7, space, () -> new LockBudget(0, 16 * PAGE, 16 * PAGE, false));
            policy.register(cool, cool, 7, space, () -> new LockBudget(0, 16 * PAGE, 16 * PAGE, false));
            hot.touch(3, 4);
            cool.touch(1, 0);
            policy.decide();
            recording.stop();
            recording.dump(file);
        }
        final List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
            .filter(event -> event.getEventType().getName().equals("io.vmarena.Pin")).collect(Collectors.toList());
        assertEquals(2, events.size(), events::toString);
        final RecordedEvent first = events.get(0);
        assertEquals("hot", first.getString("arena"));
        assertEquals("PINNED", first.getString("decision"));
        assertEquals(1, first.getInt("rank"));
        assertEquals(7, first.getInt("priority"));
        assertEquals(7, first.getLong("activity"));
        assertEquals(12 * PAGE, first.getLong("pinnedBytes"));
        assertEquals(16 * PAGE, first.getLong("budgetBytes"));
        final RecordedEvent second = events.get(1);
        assertEquals("cool", second.getString("arena"));
        assertEquals("PARTLY_PINNED", second.getString("decision"));
        assertEquals(4 * PAGE, second.getLong("pinnedBytes"));
        assertEquals(cool.lastReason, second.getString("reason"));
    }
}
