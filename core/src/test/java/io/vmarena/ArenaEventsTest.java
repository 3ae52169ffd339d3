package io.vmarena;

import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Growth, moves and compaction slices show in Java Flight Recorder as io.vmarena.Grow, Move and Compact. */
class ArenaEventsTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldRecordGrowthAndMovesWithTheirSizes(@TempDir final Path directory) throws IOException {
        final Path file = directory.resolve("arena.jfr");
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            Recording recording = new Recording()) {
            recording.enable("io.vmarena.Grow");
            recording.enable("io.vmarena.Move");
            recording.start();
            try (Arena arena = Arena.builder().name("recorded").addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(4 * SEGMENT_BYTES).inPlaceGrowth(false).build()) {
                final long run = arena.allocate(2 * SEGMENT_BYTES);
                arena.allocate(SEGMENT_BYTES);
                arena.reallocate(run, 3 * SEGMENT_BYTES); // blocked: moves, and grows the arena first
            }
            recording.stop();
            recording.dump(file);
        }
        final List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        final List<RecordedEvent> grows = named(events, "io.vmarena.Grow");
        final List<RecordedEvent> moves = named(events, "io.vmarena.Move");

        assertEquals(1, grows.size(), events::toString);
        final RecordedEvent grow = grows.get(0);
        assertEquals("recorded", grow.getString("arena"));
        assertEquals(4 * SEGMENT_BYTES, grow.getLong("fromBytes"));
        assertEquals(16 * SEGMENT_BYTES, grow.getLong("toBytes"), "a growth that moves quadruples");
        assertFalse(grow.getBoolean("inPlace"));
        assertEquals(List.of("grow", "reallocate"), moves.stream().map(event -> event.getString("reason"))
            .collect(Collectors.toList()));
        assertEquals(4 * SEGMENT_BYTES, moves.get(0).getLong("lengthBytes"), "the whole arena");
        assertEquals(2 * SEGMENT_BYTES, moves.get(1).getLong("lengthBytes"), "the run");
        assertEquals(MoveStrategy.MULTI_VMA.name(), moves.get(0).getString("strategy"));
        assertTrue(moves.get(0).getInt("systemCalls") >= 1);
    }

    /** One io.vmarena.Compact per slice, with what the slice moved; the moves' own events say "compact". */
    @Test
    void shouldRecordEachCompactionSlice(@TempDir final Path directory) throws IOException {
        final Path file = directory.resolve("compact.jfr");
        final CompactionResult result;
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            Recording recording = new Recording()) {
            recording.enable("io.vmarena.Compact");
            recording.enable("io.vmarena.Move");
            recording.start();
            try (Arena arena = Arena.builder().name("compacted").addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(8 * SEGMENT_BYTES).compactionPauseBudget(Duration.ofSeconds(10)).build()) {
                final long[] runs = new long[6];
                for (int index = 0; index < runs.length; index++) {
                    runs[index] = arena.allocate(SEGMENT_BYTES);
                }
                arena.free(runs[0]);
                arena.free(runs[2]); // live: 1, 3, 4, 5: runs [1] by 1, [3, 4, 5] by 2
                result = arena.compact();
            }
            recording.stop();
            recording.dump(file);
        }
        final List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        final List<RecordedEvent> slices = named(events, "io.vmarena.Compact");
        assertEquals(1, result.slices(), "a budget no run nears: one slice, no run cut");
        assertEquals(result.slices(), slices.size(), events::toString);
        assertEquals("compacted", slices.get(0).getString("arena"));
        assertEquals(result.movedBytes(), slices.stream().mapToLong(event -> event.getLong("movedBytes")).sum());
        assertEquals(4 * SEGMENT_BYTES, result.movedBytes());
        assertEquals(result.runs(), slices.stream().mapToInt(event -> event.getInt("runs")).sum());
        assertEquals(2, result.runs());
        assertTrue(slices.get(slices.size() - 1).getBoolean("complete"));
        // [1] in one call; [3, 4, 5] overlaps its destination (two places down): pieces of two and one
        assertEquals(List.of("compact", "compact", "compact"), named(events, "io.vmarena.Move").stream()
            .map(event -> event.getString("reason")).collect(Collectors.toList()));
    }

    private static List<RecordedEvent> named(final List<RecordedEvent> events, final String name) {
        return events.stream().filter(event -> event.getEventType().getName().equals(name))
            .collect(Collectors.toList());
    }
}
