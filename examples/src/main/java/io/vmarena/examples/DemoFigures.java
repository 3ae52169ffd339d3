package io.vmarena.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;
import io.vmarena.CompactionResult;
import io.vmarena.vm.Mapping;

import java.util.List;

/**
 * Every figure {@code vmarena demo} prints, kept as it prints it, for {@code --json FILE}. The
 * keys are a contract that scripts parse (docs/DESIGN.md lists them): each names its unit
 * ({@code Bytes}, {@code Nanos}, {@code Count}, {@code Address}, {@code Fraction} from 0 to 1),
 * numbers are JSON numbers, and a key once published keeps its meaning; a new figure gets a new
 * key and {@link #FORMAT_VERSION} changes only when one changes meaning. The steps print from the
 * same values they record here, so the text and the document cannot disagree.
 *
 * <pre>
 * { "formatVersion": 1, "verdict": "PASS", "exitCode": 0, "backend": "linux", ...,
 *   "steps": { "fill": {...}, "fragment": {...}, "grow": {...}, "reallocate": {...},
 *              "pin": {...}, "compact": {...}, "check": {...}, "close": {...} } }
 * </pre>
 */
final class DemoFigures {
    /** The document's {@code formatVersion}: changes only when a published key changes meaning. */
    static final int FORMAT_VERSION = 1;

    private final JsonObject root = new JsonObject();
    private final JsonObject steps = new JsonObject();

    DemoFigures() {
        root.addProperty("formatVersion", FORMAT_VERSION);
        root.addProperty("command", "vmarena demo");
    }

    /** The document's top level: the verdict, the machine, the arena's size. */
    JsonObject root() {
        return root;
    }

    /** The object of one step under {@code steps}, made on first use; steps keep the order they ran in. */
    JsonObject step(final String name) {
        if (!root.has("steps")) {
            root.add("steps", steps);
        }
        if (!steps.has(name)) {
            steps.add(name, new JsonObject());
        }
        return steps.getAsJsonObject(name);
    }

    /** The whole document, with the verdict. */
    JsonObject finish(final int exitCode, final String failure) {
        root.addProperty("verdict", exitCode == VmarenaCommand.OK ? "PASS" : "FAIL");
        root.addProperty("exitCode", exitCode);
        if (failure != null) {
            root.addProperty("failure", failure);
        }
        return root;
    }

    /**
     * An {@link ArenaStats} snapshot, the figures the stats lines print: {@code residentBytes} and
     * {@code lockedBytes} as measured (smaps' Rss and Locked of the range, {@link io.vmarena.Arena#residency()}),
     * as the text's "resident (RSS)" says; {@code accountedResidentBytes} and
     * {@code accountedLockedBytes} the arena's own account (stats(), an upper bound).
     */
    static JsonObject stats(final ArenaStats stats, final ArenaResidency residency) {
        final JsonObject json = new JsonObject();
        json.addProperty("baseAddress", stats.baseAddress());
        json.addProperty("reservedBytes", stats.reservedBytes());
        json.addProperty("committedBytes", stats.committedBytes());
        json.addProperty("residentBytes", residency.residentBytes());
        json.addProperty("accountedResidentBytes", stats.residentBytes());
        json.addProperty("usedBytes", stats.usedBytes());
        json.addProperty("retainedBytes", stats.retainedBytes());
        json.addProperty("lockedBytes", residency.lockedBytes());
        json.addProperty("accountedLockedBytes", stats.lockedBytes());
        json.addProperty("vmaCount", stats.vmaCount());
        json.addProperty("classSegmentCount", stats.classSegments());
        json.addProperty("runSegmentCount", stats.runSegments());
        json.addProperty("freeSegmentCount", stats.freeSegments());
        json.addProperty("fragmentationFraction", stats.fragmentation());
        json.addProperty("growCount", stats.grows());
        json.addProperty("moveCount", stats.moves());
        return json;
    }

    /** A VMA map, every VMA (the text shows at most {@link DemoText#MAX_VMA_LINES} lines). */
    static JsonArray vmas(final List<Mapping> mappings) {
        final JsonArray json = new JsonArray();
        for (final Mapping mapping : mappings) {
            final JsonObject vma = new JsonObject();
            vma.addProperty("startAddress", mapping.startAddress());
            vma.addProperty("endAddress", mapping.endAddress());
            vma.addProperty("lengthBytes", mapping.lengthBytes());
            vma.addProperty("protection", mapping.protection().symbol());
            json.add(vma);
        }
        return json;
    }

    /** A compaction's figures: what moved, what was copied, before and after, and its pauses. */
    static JsonObject compaction(final SlicedCompaction compaction) {
        final CompactionResult total = compaction.total();
        final JsonObject json = new JsonObject();
        json.addProperty("evacuatedSegmentCount", total.evacuatedSegments());
        json.addProperty("evacuatedBlockCount", total.evacuatedBlocks());
        json.addProperty("copiedBytes", total.copiedBytes());
        json.addProperty("packedSegmentCount", total.packedSegments());
        json.addProperty("packedBlockCount", total.packedBlocks());
        json.addProperty("packedBytes", total.packedBytes());
        json.addProperty("movedBytes", total.movedBytes());
        json.addProperty("runCount", total.runs());
        json.addProperty("systemCallCount", total.systemCalls());
        json.addProperty("vmasMovedCount", total.vmasMoved());
        json.addProperty("reservedBytesBefore", total.reservedBytesBefore());
        json.addProperty("reservedBytesAfter", total.reservedBytesAfter());
        json.addProperty("committedBytesBefore", total.committedBytesBefore());
        json.addProperty("committedBytesAfter", total.committedBytesAfter());
        json.addProperty("residentBytesBefore", total.residentBytesBefore());
        json.addProperty("residentBytesAfter", total.residentBytesAfter());
        json.addProperty("vmaCountBefore", total.vmasBefore());
        json.addProperty("vmaCountAfter", total.vmasAfter());
        json.addProperty("complete", total.complete());
        json.addProperty("sliceCount", compaction.sortedPauseNanos().length);
        json.addProperty("pauseP50Nanos", compaction.percentileNanos(0.50));
        json.addProperty("pauseP90Nanos", compaction.percentileNanos(0.90));
        json.addProperty("pauseP99Nanos", compaction.percentileNanos(0.99));
        json.addProperty("pauseMaxNanos", compaction.percentileNanos(1.0));
        json.addProperty("pausedNanos", compaction.pausedNanos());
        json.addProperty("elapsedNanos", compaction.elapsedNanos());
        return json;
    }
}
