package io.vmarena.examples;

import com.google.gson.JsonObject;
import io.vmarena.Arena;
import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;
import io.vmarena.CompactionResult;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Step 5b of the demo (after the fragmentation and the moves, before the check): the arena is
 * compacted, one slice at a time as {@link Arena#compact()} does, with its VMAs, reserved,
 * committed and resident bytes before and after, what evacuation copied and what slid by page
 * tables, and every slice's pause. Beside it, an identical arena (the demo's history replayed,
 * {@link ArenaHistory}) is compacted one VMA per call: {@code PER_VMA_PROCMAP_QUERY}, or
 * {@code PER_VMA_PROC_MAPS} where the kernel lacks PROCMAP_QUERY; on the simulator, a simulated
 * Linux 6.1, which cannot move across VMAs. Where the demo's own kernel cannot either, there is
 * nothing to compare and no second arena. The demo's handles are left as they were: step 6
 * reads every block through them.
 */
final class CompactStep {
    /** The arena's default, set explicitly so that the demo can print it and both arenas share it. */
    static final Duration PAUSE_BUDGET = Duration.ofNanos(500_000);
    /** Below this many slices every pause is listed; from it on, percentiles. */
    private static final int PERCENTILES_FROM_SLICES = 10;

    private final Demo demo;
    private final Arena arena;
    private final AddressSpace space;

    CompactStep(final Demo demo) {
        this.demo = demo;
        this.arena = demo.arena();
        this.space = demo.space();
    }

    /** Runs the step; returns false when the second arena's blocks came out damaged. */
    boolean run() {
        demo.begin("5b. Compact");
        final ArenaStats before = arena.stats();
        final ArenaResidency beforeMemory = arena.residency();
        final JsonObject json = demo.figures().step("compact");
        json.addProperty("pauseBudgetNanos", PAUSE_BUDGET.toNanos());
        json.addProperty("forecastReclaimableBytes", before.reclaimableBytes());
        json.addProperty("forecastReclaimableReservedBytes", before.reclaimableReservedBytes());
        json.addProperty("forecastNanos", before.compactionEstimate().toNanos());
        json.add("statsBefore", DemoFigures.stats(before, beforeMemory));
        demo.heading("5b. Compact: compactSlice() until complete, as compact() does, pause budget "
            + DemoText.nanos(PAUSE_BUDGET.toNanos()));
        final List<Mapping> vmasBefore = demo.vmas(before);
        json.add("vmasBefore", DemoFigures.vmas(vmasBefore));
        demo.vmaMap("before", vmasBefore);
        demo.line("stats() forecast: a full compaction gives back " + Bytes.format(before.reclaimableBytes())
            + " committed and " + Bytes.format(before.reclaimableReservedBytes()) + " of the reservation, in about "
            + DemoText.nanos(before.compactionEstimate().toNanos()) + timeLabel());
        final SlicedCompaction compaction = SlicedCompaction.run(arena);
        final ArenaStats after = arena.stats();
        final ArenaResidency afterMemory = arena.residency();
        demo.noteRange(after);
        json.add("result", DemoFigures.compaction(compaction));
        result(compaction, "");
        demo.line("the slices, runs and calls vary from run to run: a slice stops when its pause reaches the "
            + "budget, and times vary");
        final List<Mapping> vmasAfter = demo.vmas(after);
        json.add("vmasAfter", DemoFigures.vmas(vmasAfter));
        json.add("stats", DemoFigures.stats(after, afterMemory));
        demo.vmaMap("after", vmasAfter);
        demo.stats(after, afterMemory);
        demo.line("no handle changed: the demo still holds the ones allocate returned, and step 6 reads every "
            + "block through them");
        demo.pinnedAfterCompaction(after);
        final boolean intact = besideIt(before, compaction, json);
        demo.blank();
        return intact;
    }

    /** The lines a compaction's result takes, each after {@code indent}. */
    private void result(final SlicedCompaction compaction, final String indent) {
        final CompactionResult total = compaction.total();
        demo.line(indent + "evacuated " + total.evacuatedSegments() + " sparse small-block segments: "
            + DemoText.count(total.evacuatedBlocks()) + " blocks (" + Bytes.format(total.copiedBytes())
            + ") copied into the fullest segments of their class, their old handles forwarded");
        demo.line(indent + "packed " + total.packedSegments() + " small-block segments: "
            + DemoText.count(total.packedBlocks()) + " blocks (" + Bytes.format(total.packedBytes())
            + ") copied down into their free slots, so that trim can give their top pages back");
        demo.line(indent + "slid " + Bytes.format(total.movedBytes()) + " down by page tables in " + total.runs()
            + (total.runs() == 1 ? " run: " : " runs: ") + DemoText.count(total.systemCalls()) + " mremap calls moving "
            + DemoText.count(total.vmasMoved()) + " VMAs");
        demo.line(indent + "reserved " + Bytes.format(total.reservedBytesBefore()) + " -> "
            + Bytes.format(total.reservedBytesAfter()) + ", committed " + Bytes.format(total.committedBytesBefore())
            + " -> " + Bytes.format(total.committedBytesAfter()) + ", resident (RSS) "
            + Bytes.format(total.residentBytesBefore()) + " -> " + Bytes.format(total.residentBytesAfter()) + ", VMAs "
            + total.vmasBefore() + " -> " + total.vmasAfter());
        demo.line(indent + pauses(compaction) + timeLabel());
        if (!total.complete()) {
            demo.line(indent + "stopped after " + DemoText.count(SlicedCompaction.MAX_SLICES)
                + " slices with work left");
        }
    }

    /** {@code 12 slices, pauses p50 ..., longest ...; 3.2 ms paused in all, 9.1 ms with the figures read}. */
    private static String pauses(final SlicedCompaction compaction) {
        final long[] sorted = compaction.sortedPauseNanos();
        final StringBuilder text = new StringBuilder(DemoText.count(sorted.length))
            .append(sorted.length == 1 ? " slice, pause " : " slices, pauses ");
        if (sorted.length >= PERCENTILES_FROM_SLICES) {
            text.append("p50 ").append(DemoText.nanos(compaction.percentileNanos(0.50)))
                .append(", p90 ").append(DemoText.nanos(compaction.percentileNanos(0.90)))
                .append(", p99 ").append(DemoText.nanos(compaction.percentileNanos(0.99))).append(", ");
        } else if (sorted.length > 1) {
            for (int index = sorted.length - 1; index >= 0; index--) {
                text.append(DemoText.nanos(sorted[index])).append(", ");
            }
        }
        return text.append("longest ").append(DemoText.nanos(sorted[sorted.length - 1])).append("; ")
            .append(DemoText.nanos(compaction.pausedNanos())).append(" paused in all, ")
            .append(DemoText.nanos(compaction.elapsedNanos())).append(" with the figures read before and after each")
            .toString();
    }

    /**
     * The same compaction of an identical arena, one VMA per call, and the difference; returns
     * false when that arena's blocks came out damaged.
     */
    private boolean besideIt(final ArenaStats before, final SlicedCompaction compaction, final JsonObject json) {
        final Capabilities caps = space.capabilities();
        json.addProperty("perVmaCompared", caps.multiVmaMove().available());
        if (!caps.multiVmaMove().available()) {
            demo.line("no per-VMA arena beside it: this kernel has no multi-VMA move, so the compaction above already "
                + "took one mremap per VMA");
            return true;
        }
        final AddressSpace twinSpace = demo.simulated() ? simulatedLinux61(caps) : space;
        if (twinSpace == space) {
            demo.beforeTwinInThisProcess();
        }
        try {
            final JsonObject perVmaJson = new JsonObject();
            json.add("perVma", perVmaJson);
            return compareWith(before, compaction, twinSpace, perVmaJson);
        } finally {
            if (twinSpace != space) {
                ((SimulatedAddressSpace)twinSpace).close();
            }
        }
    }

    private boolean compareWith(final ArenaStats before, final SlicedCompaction compaction,
        final AddressSpace twinSpace, final JsonObject json) {
        final MoveStrategy strategy = twinSpace.capabilities().procmapQuery().available()
            ? MoveStrategy.PER_VMA_PROCMAP_QUERY : MoveStrategy.PER_VMA_PROC_MAPS;
        final BlockLedger twinLedger = new BlockLedger(twinSpace, Demo.SEED);
        try (Arena twin = Demo.arenaBuilder("demo-per-vma", twinSpace, demo.scale()).moveStrategy(strategy).build()) {
            demo.begin("5b. Compact: building the identical per-VMA arena");
            final long replaying = System.nanoTime();
            demo.history().replay(twin, twinSpace, twinLedger, demo.progress());
            final long replayNanos = System.nanoTime() - replaying;
            final ArenaStats twinBefore = twin.stats();
            final ArenaResidency twinBeforeMemory = twin.residency();
            json.addProperty("moveStrategy", strategy.name());
            json.addProperty("simulatedLinux61", twinSpace != space);
            json.addProperty("replayEventCount", demo.history().size());
            json.addProperty("replayNanos", replayNanos);
            json.addProperty("identicalBeforeCompaction", sameness(before, twinBefore).startsWith("identical"));
            json.add("statsBefore", DemoFigures.stats(twinBefore, twinBeforeMemory));
            demo.line("beside it, the same compaction of an identical arena with moveStrategy(" + strategy + ")"
                + (twinSpace != space ? " on a simulated Linux 6.1, whose mremap cannot cross VMAs" : "")
                + ", one mremap per VMA:");
            demo.line("  built by replaying steps 2 to 5 (" + DemoText.count(demo.history().size()) + " allocations, "
                + "frees, trims and moves) in " + demo.time(replayNanos) + ": "
                + sameness(before, twinBefore));
            demo.begin("5b. Compact: the per-VMA arena");
            final SlicedCompaction perVma = SlicedCompaction.run(twin);
            json.add("result", DemoFigures.compaction(perVma));
            result(perVma, "  ");
            demo.line("multi-VMA: " + DemoText.count(compaction.total().systemCalls()) + " mremap calls in "
                + slices(compaction) + ", " + DemoText.nanos(compaction.pausedNanos()) + " paused; per-VMA: "
                + DemoText.count(perVma.total().systemCalls()) + " mremap calls in " + slices(perVma) + ", "
                + DemoText.nanos(perVma.pausedNanos()) + " paused: " + DemoText.faster("the multi-VMA compaction",
                    compaction.pausedNanos(), "the per-VMA compaction", perVma.pausedNanos()) + timeLabel());
            demo.line(spread(compaction.total()));
            demo.begin("5b. Compact: checking the per-VMA arena");
            final long checkBytes = twinLedger.liveLengthBytes();
            final int damaged = twinLedger.firstDamaged(twin, bytes -> demo.progress().advance(bytes, checkBytes));
            json.addProperty("intact", damaged < 0);
            json.addProperty("liveBlockCount", twinLedger.liveCount());
            if (damaged >= 0) {
                demo.line("block " + damaged + " of the per-VMA arena does not match the checksum of what was written");
                return false;
            }
            demo.line("the per-VMA arena's " + DemoText.count(twinLedger.liveCount()) + " live blocks are intact too");
            return true;
        }
    }

    private static String slices(final SlicedCompaction compaction) {
        final int count = compaction.sortedPauseNanos().length;
        return DemoText.count(count) + (count == 1 ? " slice" : " slices");
    }

    /** How many VMAs a run carried: one call per VMA costs more calls only where runs span several. */
    private static String spread(final CompactionResult multiVma) {
        return "the multi-VMA runs carried " + String.format(Locale.ROOT, "%.2f", (double)multiVma.vmasMoved()
            / Math.max(1, multiVma.runs())) + " VMAs each on average (" + DemoText.count(multiVma.vmasMoved())
            + " in " + DemoText.count(multiVma.runs()) + " runs): one call per VMA costs more calls only where a "
            + "run spans several VMAs";
    }

    /** Simulated Linux 6.1 with the demo's simulated page size, zero-page behaviour and memlock limits. */
    private static AddressSpace simulatedLinux61(final Capabilities caps) {
        return new SimulatedAddressSpace(KernelProfile.LINUX_6_1.withPageSize(caps.pageSize())
            .withTrait(KernelTrait.ZERO_PAGE, caps.zeroPage().available())
            // The same memlock limit and privilege, so the replayed pin (step 5a) pins as much as the demo's.
            .withMemlock(caps.memlockSoftBytes()).withIpcLock(caps.ipcLock().available()));
    }

    /** {@code identical: ...}, or which figures differ (then the comparison is not like for like, and says so). */
    private static String sameness(final ArenaStats demoArena, final ArenaStats twin) {
        final StringBuilder differences = new StringBuilder();
        differ(differences, "reserved", demoArena.reservedBytes(), twin.reservedBytes());
        differ(differences, "committed", demoArena.committedBytes(), twin.committedBytes());
        differ(differences, "resident", demoArena.residentBytes(), twin.residentBytes());
        differ(differences, "used", demoArena.usedBytes(), twin.usedBytes());
        differ(differences, "VMAs", demoArena.vmaCount(), twin.vmaCount());
        differ(differences, "small-block segments", demoArena.classSegments(), twin.classSegments());
        differ(differences, "segments in runs", demoArena.runSegments(), twin.runSegments());
        differ(differences, "free segments", demoArena.freeSegments(), twin.freeSegments());
        return differences.length() == 0
            ? "identical before compaction (reserved, committed, resident and used bytes, VMAs, segments)"
            : "NOT identical before compaction:" + differences;
    }

    private static void differ(final StringBuilder differences, final String what, final long demoArena,
        final long twin) {
        if (demoArena != twin) {
            differences.append(' ').append(what).append(' ').append(demoArena).append(" here, ").append(twin)
                .append(" there;");
        }
    }

    private String timeLabel() {
        return demo.simulated() ? " (the simulator's times: a Java model's, not a kernel's)" : "";
    }
}
