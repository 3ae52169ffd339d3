package io.vmarena.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.vmarena.examples.support.CorruptingAddressSpace;
import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vmarena demo --json FILE}: the document has every documented key, its numbers are
 * numbers, and each figure is the one the text printed; a path that cannot work is refused
 * before the demo runs (exit 2), one that fails after it is an exit 1 with nothing half written.
 */
class DemoJsonTest {
    /**
     * The documented keys (docs/DESIGN.md, "vmarena demo --json"): scripts rely on every one.
     * {@code steps.X.stats} and the like hold {@link #STATS_KEYS}.
     */
    static final List<String> DOCUMENTED_KEYS = List.of(
        "formatVersion", "command", "verdict", "exitCode", "backend", "simulated", "timesAreModel", "kernelRelease",
        "architecture", "pageSizeBytes", "hugePageBytes", "multiVmaMove", "seed", "scaleDivisor", "segmentBytes",
        "fillBytesRequested", "warmUpNanos", "totalNanos",
        "steps.fill.filledBytes", "steps.fill.blockCount", "steps.fill.smallBlockCount", "steps.fill.smallBlockBytes",
        "steps.fill.smallMinBytes", "steps.fill.smallMaxBytes", "steps.fill.largeBlockCount",
        "steps.fill.largeBlockBytes", "steps.fill.largeMinBytes", "steps.fill.largeMaxBytes",
        "steps.fill.allocateNanos", "steps.fill.writeNanos", "steps.fill.stats",
        "steps.fragment.freedBlockCount", "steps.fragment.freedBytes", "steps.fragment.freeNanos",
        "steps.fragment.statsBeforeTrim", "steps.fragment.trimGivenBytes", "steps.fragment.trimNanos",
        "steps.fragment.stats",
        "steps.grow.vmasBefore", "steps.grow.statsBefore", "steps.grow.requestedBytes", "steps.grow.growNanos",
        "steps.grow.movedArena", "steps.grow.baseAddressBefore", "steps.grow.baseAddressAfter", "steps.grow.vmasAfter",
        "steps.grow.stats", "steps.grow.copiedBytes", "steps.grow.copyNanos", "steps.grow.newBlockBytes",
        "steps.grow.newBlockWriteNanos",
        "steps.reallocate.done", "steps.reallocate.block", "steps.reallocate.lengthBytes",
        "steps.reallocate.capacityBytes", "steps.reallocate.addressBefore", "steps.reallocate.nextBlockAddress",
        "steps.reallocate.newLengthBytes", "steps.reallocate.addressAfter", "steps.reallocate.moved",
        "steps.reallocate.reallocateNanos", "steps.reallocate.moveCountBefore", "steps.reallocate.moveCountAfter",
        "steps.reallocate.copyEstimateNanos",
        "steps.pin.state", "steps.pin.pinNanos", "steps.pin.pinnedBytes", "steps.pin.heldBytes",
        "steps.pin.before.vmLckBytes", "steps.pin.before.pinnedBytes", "steps.pin.before.residentBytes",
        "steps.pin.before.lockedBytes", "steps.pin.after.vmLckBytes", "steps.pin.afterCompaction.vmLckBytes",
        "steps.pin.afterCompaction.heldBytes", "steps.pin.vmLckBytesAfterClose",
        "steps.compact.pauseBudgetNanos", "steps.compact.forecastReclaimableBytes",
        "steps.compact.forecastReclaimableReservedBytes", "steps.compact.forecastNanos", "steps.compact.statsBefore",
        "steps.compact.vmasBefore", "steps.compact.result", "steps.compact.vmasAfter", "steps.compact.stats",
        "steps.compact.perVmaCompared", "steps.compact.perVma.moveStrategy", "steps.compact.perVma.simulatedLinux61",
        "steps.compact.perVma.replayEventCount", "steps.compact.perVma.replayNanos",
        "steps.compact.perVma.identicalBeforeCompaction", "steps.compact.perVma.statsBefore",
        "steps.compact.perVma.result", "steps.compact.perVma.intact", "steps.compact.perVma.liveBlockCount",
        "steps.check.intact", "steps.check.checkNanos", "steps.check.checksumsVerifiedCount",
        "steps.check.checkedBytes",
        "steps.close.closeNanos", "steps.close.ranges", "steps.close.nothingLeftMapped");
    static final List<String> STATS_KEYS = List.of("baseAddress", "reservedBytes", "committedBytes", "residentBytes",
        "accountedResidentBytes", "usedBytes", "retainedBytes", "lockedBytes", "accountedLockedBytes", "vmaCount",
        "classSegmentCount", "runSegmentCount", "freeSegmentCount", "fragmentationFraction", "growCount", "moveCount");
    static final List<String> COMPACTION_KEYS = List.of("evacuatedSegmentCount", "evacuatedBlockCount", "copiedBytes",
        "packedSegmentCount", "packedBlockCount", "packedBytes",
        "movedBytes", "runCount", "systemCallCount", "vmasMovedCount", "reservedBytesBefore", "reservedBytesAfter",
        "committedBytesBefore", "committedBytesAfter", "residentBytesBefore", "residentBytesAfter", "vmaCountBefore",
        "vmaCountAfter", "complete", "sliceCount", "pauseP50Nanos", "pauseP90Nanos", "pauseP99Nanos", "pauseMaxNanos",
        "pausedNanos", "elapsedNanos");
    static final List<String> VMA_KEYS = List.of("startAddress", "endAddress", "lengthBytes", "protection");

    @TempDir
    Path directory;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int demo(final AddressSpace space, final String... args) {
        final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        return new CommandLine(new Demo(new PrintStream(out, true, StandardCharsets.UTF_8), errStream, space)
            .unwrapped()).setErr(new PrintWriter(errStream, true)).execute(args);
    }

    private String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteEveryDocumentedKeyWithNumbersAsNumbers() throws IOException {
        final Path json = directory.resolve("demo.json");
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, demo(space, "--json", json.toString()), errors() + printed());
        }

        final JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        for (final String key : DOCUMENTED_KEYS) {
            assertTrue(find(root, key) != null, key + " missing from " + root);
        }
        for (final String stats : List.of("steps.fill.stats", "steps.fragment.statsBeforeTrim", "steps.fragment.stats",
            "steps.grow.statsBefore", "steps.grow.stats", "steps.compact.statsBefore", "steps.compact.stats",
            "steps.compact.perVma.statsBefore")) {
            assertEquals(STATS_KEYS, List.copyOf(find(root, stats).getAsJsonObject().keySet()), stats);
        }
        for (final String result : List.of("steps.compact.result", "steps.compact.perVma.result")) {
            assertEquals(COMPACTION_KEYS, List.copyOf(find(root, result).getAsJsonObject().keySet()), result);
        }
        for (final String vmas : List.of("steps.grow.vmasBefore", "steps.grow.vmasAfter", "steps.compact.vmasBefore",
            "steps.compact.vmasAfter")) {
            for (final JsonElement vma : find(root, vmas).getAsJsonArray()) {
                assertEquals(VMA_KEYS, List.copyOf(vma.getAsJsonObject().keySet()), vmas);
            }
        }
        final List<String> notNumbers = new ArrayList<>();
        unitKeysThatAreNotNumbers("", root, notNumbers);
        assertEquals(List.of(), notNumbers, "keys named for a unit hold a number");
        assertEquals("PASS", root.get("verdict").getAsString());
        assertEquals(0, root.get("exitCode").getAsInt());
        assertFalse(root.has("failure"));
        assertEquals("sim", root.get("backend").getAsString());
        assertTrue(root.get("timesAreModel").getAsBoolean());
        assertEquals(4096, root.get("pageSizeBytes").getAsLong());
        assertEquals(List.of("fill", "fragment", "grow", "reallocate", "pin", "compact", "check", "close"),
            List.copyOf(root.getAsJsonObject("steps").keySet()), "the steps in the order they ran");
        try (Stream<Path> files = Files.list(directory)) {
            assertEquals(List.of(json), files.toList(), "no temporary file left beside it");
        }
    }

    @Test
    void shouldRecordTheFiguresItPrinted() throws IOException {
        final Path json = directory.resolve("demo.json");
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, demo(space, "--json", json.toString()), errors() + printed());
        }
        final JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        final String text = printed();

        final JsonObject fill = object(root, "steps.fill");
        assertPrinted(text, "2. Fill: " + bytes(fill, "filledBytes") + " in " + count(fill, "blockCount") + " blocks");
        assertPrinted(text, count(fill, "smallBlockCount") + " small blocks of 16 bytes to 16 KiB ("
            + bytes(fill, "smallBlockBytes") + "), " + fill.get("largeBlockCount").getAsLong() + " large of "
            + bytes(fill, "largeMinBytes") + " to " + bytes(fill, "largeMaxBytes") + " (" + bytes(fill, "largeBlockBytes"));
        assertPrinted(text, "took " + model(fill.get("allocateNanos").getAsLong() + fill.get("writeNanos").getAsLong())
            + ": allocating " + time(fill, "allocateNanos") + ", writing " + time(fill, "writeNanos"));
        assertStatsPrinted(text, object(fill, "stats"));
        assertPrinted(text, "used (" + bytes(object(fill, "stats"), "usedBytes") + ") is more than the "
            + bytes(fill, "filledBytes") + " filled");

        final JsonObject fragment = object(root, "steps.fragment");
        assertPrinted(text, "3. Fragment: freed 2 of every 3 blocks (" + count(fragment, "freedBlockCount") + " blocks, "
            + bytes(fragment, "freedBytes") + ") in " + time(fragment, "freeNanos"));
        assertStatsPrinted(text, object(fragment, "statsBeforeTrim"));
        assertStatsPrinted(text, object(fragment, "stats"));
        assertPrinted(text, "trim(Long.MAX_VALUE) gave " + bytes(fragment, "trimGivenBytes") + " back to the system in "
            + time(fragment, "trimNanos") + ": RSS " + bytes(object(fragment, "statsBeforeTrim"), "residentBytes")
            + " -> " + bytes(object(fragment, "stats"), "residentBytes"));

        final JsonObject grow = object(root, "steps.grow");
        assertPrinted(text, "allocate(" + bytes(grow, "requestedBytes") + "), one segment more than its "
            + object(grow, "statsBefore").get("freeSegmentCount").getAsLong() + " free segments hold: it grew from "
            + bytes(object(grow, "statsBefore"), "reservedBytes") + " to " + bytes(object(grow, "stats"), "reservedBytes")
            + " by moving, in " + time(grow, "growNanos"));
        assertPrinted(text, "base " + hex(grow, "baseAddressBefore") + " -> " + hex(grow, "baseAddressAfter"));
        assertVmasPrinted(text, grow.getAsJsonArray("vmasBefore"));
        assertVmasPrinted(text, grow.getAsJsonArray("vmasAfter"));
        assertStatsPrinted(text, object(grow, "stats"));
        assertPrinted(text, "copying the same " + bytes(grow, "copiedBytes") + " of live blocks into a fresh mapping "
            + "took " + time(grow, "copyNanos"));
        assertPrinted(text, "the new block written in full (" + bytes(grow, "newBlockBytes") + ") in "
            + time(grow, "newBlockWriteNanos"));

        final JsonObject reallocate = object(root, "steps.reallocate");
        assertTrue(reallocate.get("done").getAsBoolean() && reallocate.get("moved").getAsBoolean(), reallocate.toString());
        assertPrinted(text, "block " + reallocate.get("block").getAsInt() + " holds " + bytes(reallocate, "lengthBytes")
            + " in a run of " + bytes(reallocate, "capacityBytes") + " at " + hex(reallocate, "addressBefore"));
        assertPrinted(text, "reallocate to " + bytes(reallocate, "newLengthBytes") + ": moved to "
            + hex(reallocate, "addressAfter") + " in " + time(reallocate, "reallocateNanos"));
        assertPrinted(text, "would take about " + time(reallocate, "copyEstimateNanos"));

        final JsonObject pin = object(root, "steps.pin");
        assertPrinted(text, "pin() took " + DemoText.nanos(pin.get("pinNanos").getAsLong()) + ": "
            + pin.get("state").getAsString() + ", " + bytes(pin, "pinnedBytes") + " pinned of the "
            + bytes(pin, "heldBytes") + " the arena holds");
        assertPrinted(text, "after: VmLck (simulated) " + bytes(object(pin, "after"), "vmLckBytes"));
        assertPrinted(text, "pinned after compaction: VmLck (simulated) "
            + bytes(object(pin, "afterCompaction"), "vmLckBytes"));
        assertPrinted(text, "VmLck (simulated) " + bytes(pin, "vmLckBytesAfterClose") + " after close");

        final JsonObject compact = object(root, "steps.compact");
        assertPrinted(text, "stats() forecast: a full compaction gives back " + bytes(compact, "forecastReclaimableBytes")
            + " committed and " + bytes(compact, "forecastReclaimableReservedBytes") + " of the reservation, in about "
            + DemoText.nanos(compact.get("forecastNanos").getAsLong()));
        assertVmasPrinted(text, compact.getAsJsonArray("vmasBefore"));
        assertVmasPrinted(text, compact.getAsJsonArray("vmasAfter"));
        assertCompactionPrinted(text, object(compact, "result"));
        assertStatsPrinted(text, object(compact, "stats"));
        final JsonObject perVma = object(compact, "perVma");
        assertEquals("PER_VMA_PROC_MAPS", perVma.get("moveStrategy").getAsString());
        assertTrue(perVma.get("identicalBeforeCompaction").getAsBoolean() && perVma.get("intact").getAsBoolean());
        assertPrinted(text, "built by replaying steps 2 to 5 (" + count(perVma, "replayEventCount") + " allocations, "
            + "frees, trims and moves) in " + time(perVma, "replayNanos"));
        assertCompactionPrinted(text, object(perVma, "result"));
        assertPrinted(text, "the per-VMA arena's " + count(perVma, "liveBlockCount") + " live blocks are intact too");

        final JsonObject check = object(root, "steps.check");
        assertPrinted(text, "every live block intact (" + count(check, "checksumsVerifiedCount") + " blocks, "
            + bytes(check, "checkedBytes") + " checked) in " + time(check, "checkNanos"));

        final JsonObject close = object(root, "steps.close");
        assertPrinted(text, "7. Close: unmapped in " + time(close, "closeNanos"));
        final JsonArray ranges = close.getAsJsonArray("ranges");
        assertEquals(2, ranges.size(), close.toString());
        for (final JsonElement range : ranges) {
            assertPrinted(text, "no mapping left in " + DemoText.range(range.getAsJsonObject().get("startAddress")
                .getAsLong(), range.getAsJsonObject().get("endAddress").getAsLong()));
            assertEquals(0, range.getAsJsonObject().getAsJsonArray("mappingsLeft").size());
        }
        assertTrue(close.get("nothingLeftMapped").getAsBoolean());
        assertPrinted(text, "warm-up: a throwaway arena grew in place, grew by moving and moved a block in "
            + time(root, "warmUpNanos") + ", mostly");
        assertTrue(text.endsWith("\nThe demo took " + time(root, "totalNanos") + ".\n"), text);
    }

    @Test
    void shouldPrintTheSameTextWithAndWithoutJson() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, demo(space, "--size", "2M"), errors());
        }
        final String without = printed();
        out.reset();
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, demo(space, "--size", "2M", "--json", directory.resolve("demo.json").toString()), errors());
        }

        assertEquals(figuresOut(without), figuresOut(printed()), "the text, times and addresses aside");
    }

    /**
     * The text with what differs from run to run replaced: times, addresses, which of two timed
     * things won, and every number of the compaction step, whose slices end at a time budget.
     */
    private static String figuresOut(final String text) {
        final int compaction = text.indexOf("5b. Compact");
        final int check = text.indexOf("6. Check");
        final String masked = text.substring(0, compaction) + text.substring(compaction, check)
            .replaceAll(" slices?, pauses?[^\n]*", " PAUSES").replaceAll("[0-9.,]+ (us|ms|s)\\b", "TIME")
            .replaceAll("[0-9][0-9.,]*", "#") + text.substring(check);
        return masked.replaceAll("0x[0-9a-f]+", "ADDRESS").replaceAll("[0-9.,]+ (us|ms|s)\\b", "TIME")
            .replaceAll("the (move|copy|multi-VMA compaction|per-VMA compaction) was [0-9.,#]+x faster", "FASTER");
    }

    @Test
    void shouldWriteAFailedRunAsFailWithTheReason() throws IOException {
        final Path json = directory.resolve("demo.json");
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(1, demo(new CorruptingAddressSpace(space), "--json", json.toString()), printed());
        }

        final JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals("FAIL", root.get("verdict").getAsString());
        assertEquals(1, root.get("exitCode").getAsInt());
        assertEquals("block 0 is damaged", root.get("failure").getAsString());
        assertFalse(object(root, "steps.check").get("intact").getAsBoolean());
        assertEquals(0, object(root, "steps.check").get("damagedBlock").getAsInt());
        assertFalse(root.getAsJsonObject("steps").has("close"), "the story stops at the damaged block");
    }

    @Test
    void shouldRefuseAPathThatCannotWorkWithExitTwoBeforeTheDemoRuns() throws IOException {
        final Path existing = Files.writeString(directory.resolve("kept.json"), "{\"kept\": true}");
        final Map<String, String> refusals = Map.of(
            directory.toString(), "is a directory: give a file's path, for example " + directory.resolve("demo.json"),
            "/dev/full", "--json /dev/full is not a regular file (a device, pipe or socket)",
            directory.resolve("missing/demo.json").toString(), "the directory " + directory.resolve("missing")
                + " does not exist: create it, or give a path in one that does",
            "/proc/vmarena-demo.json", "--json /proc/vmarena-demo.json: cannot create a file in /proc (");
        for (final Map.Entry<String, String> refusal : refusals.entrySet()) {
            out.reset();
            err.reset();
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
                assertEquals(2, demo(space, "--json", refusal.getKey()), refusal.getKey() + ": " + errors());
            }
            assertTrue(errors().contains(refusal.getValue()), refusal.getKey() + ": " + errors());
            assertTrue(errors().contains("Usage: demo [-h]"), errors());
            assertEquals("", printed(), "the demo did not run");
        }
        assertFalse(Files.isRegularFile(Path.of("/dev/full")), "/dev/full is still the device");
        assertEquals("{\"kept\": true}", Files.readString(existing));
        try (Stream<Path> files = Files.list(directory)) {
            assertEquals(List.of(existing), files.toList(), "no temporary file left by the checks");
        }
    }

    @Test
    void shouldExitOneAndLeaveNothingWhenTheFileCannotBeWrittenAfterTheRun() throws IOException {
        final Path vanishing = Files.createDirectory(directory.resolve("vanishing"));
        final Path json = vanishing.resolve("demo.json");
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            // The directory goes once the demo has passed the check and started: as if removed while it ran.
            final AddressSpace space = new ForwardingAddressSpace(simulator) {
                @Override
                public Capabilities capabilities() {
                    deleteQuietly(vanishing);
                    return super.capabilities();
                }
            };
            assertEquals(1, demo(space, "--json", json.toString()), errors() + printed());
        }

        assertTrue(printed().contains("every live block intact"), "the demo itself passed:\n" + printed());
        assertTrue(errors().contains("vmarena demo: could not write the figures to " + json + " (java.nio.file."
            + "NoSuchFileException: "), errors());
        assertTrue(errors().contains("it was left as it was: give a path with room to write"), errors());
        assertFalse(Files.exists(vanishing));
    }

    @Test
    void shouldReplaceAnExistingFileWhole() throws IOException {
        final Path json = Files.writeString(directory.resolve("demo.json"), "old");
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, demo(space, "--json", json.toString(), "--size", "2M"), errors());
        }

        assertEquals("PASS", JsonParser.parseString(Files.readString(json)).getAsJsonObject().get("verdict")
            .getAsString());
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(json)));
    }

    @Test
    void shouldLeaveTheTargetAndNoTemporaryFileWhenTheRenameFails() throws IOException {
        final Path target = directory.resolve("demo.json");
        JsonFile.checkWritable("--json", target);
        // A non-empty directory took the name after the check: the rename cannot replace it.
        Files.createDirectory(target);
        Files.writeString(target.resolve("inside"), "kept");

        final JsonObject document = new JsonObject();
        document.addProperty("verdict", "PASS");
        assertThrowsIo(() -> JsonFile.write(target, document));

        assertEquals("kept", Files.readString(target.resolve("inside")));
        try (Stream<Path> files = Files.list(directory)) {
            assertEquals(List.of(target), files.toList(), "the temporary file was removed");
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void assertThrowsIo(final IoAction action) {
        try {
            action.run();
        } catch (final IOException expected) {
            return;
        }
        throw new AssertionError("no IOException");
    }

    private static void deleteQuietly(final Path emptyDirectory) {
        try {
            Files.deleteIfExists(emptyDirectory);
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stats lines, as {@link DemoText#stats} prints them, from the document's figures. */
    private static void assertStatsPrinted(final String text, final JsonObject stats) {
        assertPrinted(text, "reserved " + bytes(stats, "reservedBytes") + ", committed " + bytes(stats, "committedBytes")
            + ", resident (RSS) " + bytes(stats, "residentBytes") + "\n");
        final long vmaCount = stats.get("vmaCount").getAsLong();
        assertPrinted(text, "used " + bytes(stats, "usedBytes") + ", retained " + bytes(stats, "retainedBytes") + "; "
            + vmaCount + (vmaCount == 1 ? " VMA" : " VMAs") + "; grows " + stats.get("growCount").getAsLong()
            + ", moves " + stats.get("moveCount").getAsLong() + "\n");
        assertPrinted(text, "segments: " + count(stats, "classSegmentCount") + " small-block, "
            + count(stats, "runSegmentCount") + " in runs, " + count(stats, "freeSegmentCount") + " free; fragmentation "
            + DemoText.percent(stats.get("fragmentationFraction").getAsDouble()) + "\n");
    }

    /** The VMA count and the first VMA's line. */
    private static void assertVmasPrinted(final String text, final JsonArray vmas) {
        assertPrinted(text, "(" + vmas.size() + (vmas.size() == 1 ? " VMA):" : " VMAs):"));
        final JsonObject first = vmas.get(0).getAsJsonObject();
        assertPrinted(text, "[" + hex(first, "startAddress") + ", " + hex(first, "endAddress") + ") "
            + first.get("protection").getAsString() + "  " + bytes(first, "lengthBytes") + "\n");
    }

    private static void assertCompactionPrinted(final String text, final JsonObject result) {
        final long runs = result.get("runCount").getAsLong();
        assertPrinted(text, "slid " + bytes(result, "movedBytes") + " down by page tables in " + runs
            + (runs == 1 ? " run: " : " runs: ") + count(result, "systemCallCount") + " mremap calls moving "
            + count(result, "vmasMovedCount") + " VMAs");
        assertPrinted(text, "reserved " + bytes(result, "reservedBytesBefore") + " -> " + bytes(result,
            "reservedBytesAfter") + ", committed " + bytes(result, "committedBytesBefore") + " -> "
            + bytes(result, "committedBytesAfter") + ", resident (RSS) " + bytes(result, "residentBytesBefore") + " -> "
            + bytes(result, "residentBytesAfter") + ", VMAs " + result.get("vmaCountBefore").getAsLong() + " -> "
            + result.get("vmaCountAfter").getAsLong());
        final long slices = result.get("sliceCount").getAsLong();
        assertPrinted(text, count(result, "sliceCount") + (slices == 1 ? " slice, pause" : " slices, pauses"));
        if (slices >= 10) {
            assertPrinted(text, "p50 " + DemoText.nanos(result.get("pauseP50Nanos").getAsLong()) + ", p90 "
                + DemoText.nanos(result.get("pauseP90Nanos").getAsLong()) + ", p99 "
                + DemoText.nanos(result.get("pauseP99Nanos").getAsLong()));
        }
        assertPrinted(text, "longest " + DemoText.nanos(result.get("pauseMaxNanos").getAsLong()) + "; "
            + DemoText.nanos(result.get("pausedNanos").getAsLong()) + " paused in all, "
            + DemoText.nanos(result.get("elapsedNanos").getAsLong()) + " with the figures read");
    }

    private static void assertPrinted(final String text, final String expected) {
        assertTrue(text.contains(expected), "\"" + expected + "\" missing from:\n" + text);
    }

    private static String bytes(final JsonObject json, final String key) {
        return Bytes.format(json.get(key).getAsLong());
    }

    private static String count(final JsonObject json, final String key) {
        return DemoText.count(json.get(key).getAsLong());
    }

    private static String hex(final JsonObject json, final String key) {
        return DemoText.hex(json.get(key).getAsLong());
    }

    /** A simulated time as printed: {@code 12.3 ms (model)}. */
    private static String time(final JsonObject json, final String key) {
        return model(json.get(key).getAsLong());
    }

    private static String model(final long nanos) {
        return DemoText.nanos(nanos) + " (model)";
    }

    private static JsonObject object(final JsonObject json, final String path) {
        return find(json, path).getAsJsonObject();
    }

    /** The element at a dotted path, or null. */
    private static JsonElement find(final JsonObject json, final String path) {
        JsonElement element = json;
        for (final String key : path.split("\\.")) {
            if (element == null || !element.isJsonObject()) {
                return null;
            }
            element = element.getAsJsonObject().get(key);
        }
        return element;
    }

    /** Every key named for a unit ({@code ...Bytes}, {@code ...Nanos}, ...) whose value is not a number. */
    private static void unitKeysThatAreNotNumbers(final String path, final JsonElement element,
        final List<String> found) {
        if (element.isJsonArray()) {
            element.getAsJsonArray().forEach(item -> unitKeysThatAreNotNumbers(path + "[]", item, found));
        } else if (element.isJsonObject()) {
            for (final Map.Entry<String, JsonElement> entry : element.getAsJsonObject().entrySet()) {
                final String key = entry.getKey();
                final JsonElement value = entry.getValue();
                if (key.matches(".*(Bytes|Nanos|Count|Address|Fraction|Before|After)") && !value.isJsonArray()
                    && !value.isJsonObject() && !(value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber())) {
                    found.add(path + "." + key);
                }
                unitKeysThatAreNotNumbers(path + "." + key, value, found);
            }
        }
    }
}
