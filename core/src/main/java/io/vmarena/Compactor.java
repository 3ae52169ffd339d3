package io.vmarena;

import io.vmarena.vm.Mapping;
import io.vmarena.vm.VmException;

import java.time.Duration;
import java.util.List;

/**
 * An arena's compaction, one slice at a time (see {@link Arena#compact()}): sparse segments
 * evacuated and the rest packed ({@link Evacuator}), live segments slid down by batched moves ({@link SlidePlan}),
 * the free tail decommitted and the reservation shrunk toward the live data, then forwards
 * cleaned up ({@link Evacuator#purgeForwards}, resumed each slice until a pass is through). A slice keeps the arena's move gate closed from its first change to its last, so a
 * reader of a shared arena waits at most one slice, and stops when its pause budget is spent.
 *
 * <p>The budget is kept by estimate: each run costs about its segments times this arena's
 * measured cost per segment moved (starting from 7 microseconds, this machine's cost per VMA of
 * a multi-VMA move), and a run that would not fit is cut to the segments that do, or left for
 * the next slice. A large block is never cut, so one slice may overrun by one block's move.
 * Not thread-safe: the arena serializes calls.
 */
final class Compactor {
    static final long DEFAULT_PAUSE_BUDGET_NANOS = 500_000;
    static final double DEFAULT_EVACUATION_THRESHOLD = 0.25;
    /** This machine's cost per VMA of a multi-VMA move (5 to 7 us: DESIGN.md), until the arena has measured its own. */
    private static final double INITIAL_NANOS_PER_VMA = 7_000;
    /**
     * What a run costs besides its VMAs, until measured: the VMA query, the mremap call itself
     * and the reservation of the vacated places (an mmap), about 20 us here.
     */
    private static final double INITIAL_NANOS_PER_RUN = 20_000;
    /** The estimates never fall below this: a run's cost is never taken for free. */
    private static final double MIN_ESTIMATE_NANOS = 500;
    /** The most segments one run is planned with: bounds the planning and the VMA query of a slice. */
    private static final int MAX_UNITS_PER_RUN = 1 << 12;
    /** How much of the live data's size the reservation keeps beyond it, to grow into without moving. */
    private static final int HEADROOM_DIVISOR = 4;

    private final String arenaName;
    private final BlockHeap heap;
    private final SegmentTable table;
    private final Places places;
    private final Segments segments;
    private final ArenaRange range;
    private final Evacuator evacuator;
    private final long pauseBudgetNanos;
    private final double evacuationThreshold;
    private final long segmentBytes;
    private final int pmdPlaces;
    private final int pudPlaces;
    private final int initialPlaces;
    private double nanosPerVma = INITIAL_NANOS_PER_VMA;
    private double nanosPerRun = INITIAL_NANOS_PER_RUN;
    /** Decommitting a free place: freeing its resident pages (about 50 us for 2 MiB here), until measured. */
    private double nanosPerDecommitPlace = 50_000;
    /** The system refused to decommit in this compaction: the tail is left as it is until the next one. */
    private boolean tailRefused;
    private double nanosPerCopiedByte = 0.2;
    private boolean running;
    private long slices;
    /** The last forecast, published for readers on other threads (see {@link #lastForecast}). */
    private volatile long[] lastForecast = new long[3];

    Compactor(final String arenaName, final BlockHeap heap, final Segments segments, final ArenaRange range,
        final long pauseBudgetNanos, final double evacuationThreshold, final RelocationListener listener) {
        this.arenaName = arenaName;
        this.heap = heap;
        this.table = heap.table();
        this.places = segments.places();
        this.segments = segments;
        this.range = range;
        this.pauseBudgetNanos = pauseBudgetNanos;
        this.evacuationThreshold = evacuationThreshold;
        this.segmentBytes = segments.segmentBytes();
        this.evacuator = new Evacuator(heap, range, segmentBytes, listener);
        this.pmdPlaces = (int)Math.max(1, range.space().capabilities().pmdBytes() / segmentBytes);
        this.pudPlaces = (int)Math.max(1, Math.min(Integer.MAX_VALUE, range.space().capabilities().pudBytes()
            / segmentBytes));
        this.initialPlaces = places.count();
    }

    static long budgetNanos(final Duration budget, final String setting) {
        if (budget == null || budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException(setting + " must be a positive duration, got " + budget);
        }
        try {
            return budget.toNanos();
        } catch (final ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    long pauseBudgetNanos() {
        return pauseBudgetNanos;
    }

    /** Whether a slice is under way (a relocation listener is running): the arena refuses changes. */
    boolean running() {
        return running;
    }

    long slices() {
        return slices;
    }

    /**
     * The memory figures a result reports: reserved and committed from the bookkeeping, VMAs and
     * resident bytes from the address space for the arena's range alone (PROCMAP_QUERY and
     * mincore on Linux: about a millisecond for a gigabyte, where smaps, which walks the whole
     * process, took 12 ms in a test JVM here).
     */
    private record Figures(long reservedBytes, long committedBytes, long residentBytes, int vmas) {
    }

    private Figures figures() {
        final long start = range.base();
        final long end = start + range.reservedBytes();
        final int vmas = range.space().mappings(start, end, io.vmarena.vm.MappingSource.AUTO).size();
        return new Figures(range.reservedBytes(), segments.committedBytes(), range.space().residentBytes(start, end),
            vmas);
    }

    /** Figures for a slice that reads none: the tables' own reserved and committed bytes, -1 for what smaps says. */
    private Figures unread() {
        return new Figures(range.reservedBytes(), segments.committedBytes(), -1, -1);
    }

    /**
     * One slice of at most {@code budgetNanos} of work.
     *
     * @param measureBefore whether to read the memory figures before (else the result's
     *     "before" figures are its "after" ones: the caller combines it with an earlier slice's)
     * @param measureAfter whether to read them after even when work remains; when neither is
     *     asked and work remains, the result's figures are unread (resident bytes and VMAs -1):
     *     the caller combines it away
     */
    CompactionResult slice(final long budgetNanos, final boolean measureBefore, final boolean measureAfter) {
        final Figures before = measureBefore ? figures() : null;
        final Object event = ArenaEvents.beginCompact();
        final SliceWork work = new SliceWork();
        final long copiedBefore = evacuator.copiedBytes;
        final long blocksBefore = evacuator.evacuatedBlocks;
        final int segmentsBefore = evacuator.evacuatedSegments;
        final int packedBefore = evacuator.packedSegments;
        final long packedBlocksBefore = evacuator.packedBlocks;
        final long packedBytesBefore = evacuator.packedBytes;
        range.gate().close();
        final long start = System.nanoTime();
        running = true;
        try {
            // Plan to three quarters of the budget: the estimates are averages, and one mremap here
            // varies from 25 to 80 us and more (a TLB shootdown waits for the other CPUs), so a
            // slice planned to the whole budget overran it about half the time.
            work.complete = work(start + budgetNanos - budgetNanos / 4, work);
        } catch (final RuntimeException | Error stopped) {
            evacuator.endCycle(); // a listener threw, or a move failed: the next compaction plans afresh
            throw stopped;
        } finally {
            running = false;
            work.pauseNanos = System.nanoTime() - start;
            range.gate().open();
            slices++;
        }
        final long copiedBytes = evacuator.copiedBytes - copiedBefore;
        if (copiedBytes > 0) {
            nanosPerCopiedByte = Math.max(0.01, (double)work.evacuationNanos / copiedBytes);
        }
        ArenaEvents.commitCompact(event, arenaName, work.movedBytes, copiedBytes, work.runs, work.systemCalls,
            work.vmasMoved, work.complete);
        // A slice in the middle of compact() reads nothing: compact() keeps only its first slice's
        // "before" and its last one's "after", and each read of smaps costs milliseconds.
        final Figures after = work.complete || measureAfter ? figures() : before != null ? before : unread();
        final Figures first = before != null ? before : after;
        final long packedBytes = evacuator.packedBytes - packedBytesBefore;
        return new CompactionResult(work.movedBytes, copiedBytes - packedBytes, evacuator.evacuatedBlocks - blocksBefore,
            evacuator.evacuatedSegments - segmentsBefore, packedBytes, evacuator.packedBlocks - packedBlocksBefore,
            evacuator.packedSegments - packedBefore, work.runs, work.systemCalls, work.vmasMoved, first.vmas(),
            after.vmas(), first.reservedBytes(), after.reservedBytes(), first.committedBytes(), after.committedBytes(),
            first.residentBytes(), after.residentBytes(), 1, Duration.ofNanos(work.pauseNanos), work.complete);
    }

    /** What one slice did. */
    private static final class SliceWork {
        long movedBytes;
        int runs;
        long systemCalls;
        long vmasMoved;
        long evacuationNanos;
        long pauseNanos;
        boolean complete;
        boolean didWork;
    }

    /** The slice's work, gate closed; returns whether the arena is as compact as it gets. */
    private boolean work(final long deadlineNanos, final SliceWork work) {
        final long evacuationStart = System.nanoTime();
        final long copiedBefore = evacuator.copiedBytes;
        // Packing comes after evacuation, which empties the sparsest segments whole; a threshold of 0
        // turns copying off altogether.
        final boolean evacuated = evacuator.evacuate(evacuationThreshold, deadlineNanos)
            && (evacuationThreshold <= 0 || evacuator.pack(deadlineNanos, evacuator.copiedBytes == copiedBefore));
        work.evacuationNanos = System.nanoTime() - evacuationStart;
        work.didWork = evacuator.copiedBytes > copiedBefore;
        if (!evacuated) {
            return false;
        }
        final SlidePlan plan = new SlidePlan(places, table, pmdPlaces, pudPlaces);
        while (true) {
            final long remaining = deadlineNanos - System.nanoTime();
            // Plan, and ask for the VMAs of, no more segments than the budget could move at one VMA
            // each: a run of thousands is then planned and moved a budget's worth at a time.
            final int maxUnits = (int)Math.max(1, Math.min(MAX_UNITS_PER_RUN, (remaining - nanosPerRun) / nanosPerVma));
            final SlidePlan.Run planned = plan.next(maxUnits);
            if (planned == null) {
                break;
            }
            final long start = range.segmentAddress(planned.from());
            final List<Mapping> mappings = range.space().mappings(start, start + planned.count() * segmentBytes,
                io.vmarena.vm.MappingSource.AUTO);
            final int[] unitVmas = unitVmas(planned, mappings);
            int units = 0;
            int placesMoved = 0;
            long vmas = 0;
            while (units < unitVmas.length) {
                final int nextPlaces = placesMoved + planned.lengths()[units];
                if (units > 0 && cost(nextPlaces, planned.distance(), vmas + unitVmas[units]) > remaining) {
                    break;
                }
                placesMoved = nextPlaces;
                vmas += unitVmas[units++];
            }
            if (work.didWork && cost(placesMoved, planned.distance(), vmas) > remaining) {
                return false; // not even one segment fits: the next slice plans again from here
            }
            final SlidePlan.Run run = SlidePlan.prefix(planned, units);
            if (!slide(run, vmas, pieceVmas(run, mappings), work) || units < unitVmas.length) {
                return false; // a hole another mapping took, or the budget: plan again next slice
            }
        }
        if (System.nanoTime() - deadlineNanos > 0 && work.didWork) { // a huge budget's deadline overflows
            return false;
        }
        if (!giveBackTail(deadlineNanos, work.didWork)) {
            return false;
        }
        // Last, so that evacuation and slides (memory given back) do not wait for it: with stable
        // handles a cache keeps tens of thousands of forwards, a clean-up of many slices. Each
        // compaction ends with a pass through; the next one's plan counts the ids it released.
        if (!evacuator.purgeForwards(deadlineNanos)) {
            return false;
        }
        evacuator.endCycle();
        tailRefused = false;
        return true;
    }

    /**
     * Moves one run and brings the tables up to date; undone on failure. Returns false when the
     * places it vacated could not be reserved again (another mapping took them): they are
     * UNUSABLE now, and the rest of the plan may be wrong.
     */
    private boolean slide(final SlidePlan.Run run, final long vmas, final long pieceVmas, final SliceWork work) {
        final long start = System.nanoTime();
        final boolean[] locked = segments.lockedFlags(run.from(), run.count()); // mremap moves the locks along
        final long[] totals;
        try {
            totals = range.slide(run.from(), run.to(), run.count());
        } catch (final VmException | IllegalArgumentException | UnsupportedOperationException refused) {
            reclaimHoles(run);
            throw new CompactionFailedException("compaction of arena '" + arenaName + "' stopped: moving " + run.count()
                + " segments (" + run.count() * segmentBytes + " bytes) down by " + run.distance() + " failed ("
                + refused.getMessage() + ") and was undone; every block is where it was and the arena is usable",
                refused);
        }
        // Old places first, all of them, then the new: a run that overlaps its own destination reuses its places.
        for (int place = run.from(); place < run.from() + run.count(); place++) {
            places.markFree(place);
        }
        segments.decommitted(run.from(), run.count());
        int place = run.to();
        for (int index = 0; index < run.ids().length; index++) {
            final int id = run.ids()[index];
            final int length = run.lengths()[index];
            segments.occupyMoved(place, length, id);
            table.place[id] = place;
            if (table.state[id] == SegmentTable.CLASS) {
                table.slotMaps[id].place = place;
            }
            place += length;
        }
        segments.carryLocks(run.to(), run.count(), locked);
        if (totals[3] == 0) {
            final int hole = ArenaRange.lastPieceStart(run.from(), run.to(), run.count());
            segments.quarantine(hole, run.from() + run.count() - hole);
        }
        work.movedBytes += run.count() * segmentBytes;
        work.runs++;
        work.systemCalls += totals[0];
        work.vmasMoved += totals[1] >= 0 ? totals[1] : pieceVmas; // a multi-VMA move does not count them
        work.didWork = true;
        learn(System.nanoTime() - start, (run.count() + run.distance() - 1) / run.distance(), vmas);
        return totals[3] != 0;
    }

    /**
     * Updates the cost model, a fixed cost per piece (a call and the reservation of what it
     * vacated) plus a cost per VMA, from one run's time: a run of no more VMAs than pieces tells
     * the fixed part (less the VMAs' estimate), a longer one the per-VMA part (less the pieces').
     * Dividing the whole time by the VMAs instead made a run of one VMA look as costly per VMA as
     * a whole call, and the budget then admitted one segment per slice for good, which is no
     * batching at all.
     */
    private void learn(final long elapsedNanos, final long pieces, final long vmas) {
        if (vmas <= pieces) {
            final double perPiece = (elapsedNanos - vmas * nanosPerVma) / pieces;
            nanosPerRun = Math.max(MIN_ESTIMATE_NANOS, 0.75 * nanosPerRun + 0.25 * perPiece);
        } else {
            final double perVma = (elapsedNanos - pieces * nanosPerRun) / vmas;
            nanosPerVma = Math.max(MIN_ESTIMATE_NANOS, 0.75 * nanosPerVma + 0.25 * perVma);
        }
    }

    /**
     * What moving {@code placeCount} places down by {@code distance} with {@code vmas} VMAs is
     * estimated to cost: a run that overlaps its destination moves in pieces of at most the
     * distance, each a call and a reservation of its own (at distance 1, one per place).
     */
    private double cost(final int placeCount, final int distance, final long vmas) {
        final long pieces = (placeCount + distance - 1) / Math.max(1, distance);
        return pieces * nanosPerRun + vmas * nanosPerVma;
    }

    /**
     * After a slide of {@code run} was refused and undone: the free places it was moving into
     * (below its own) may be holes the undone moves left; each is reserved again and counted as
     * uncommitted, or taken out of use if someone's mapping is there now. Never handed out over
     * unmapped memory.
     */
    private void reclaimHoles(final SlidePlan.Run run) {
        final int start = run.to();
        final int[] states = range.reserveHoles(start, Math.min(run.from(), run.to() + run.count()) - start);
        for (int index = 0; index < states.length; index++) {
            if (states[index] > 0) {
                segments.decommitted(start + index, 1);
            } else if (states[index] < 0) {
                segments.quarantine(start + index, 1);
            }
        }
    }

    /**
     * The VMAs under each segment of {@code run} (a VMA across several segments counts for each:
     * cut there, it would be split).
     */
    private int[] unitVmas(final SlidePlan.Run run, final List<Mapping> mappings) {
        final long start = range.segmentAddress(run.from());
        final int[] unitVmas = new int[run.ids().length];
        long unitStart = start;
        int first = 0;
        for (int index = 0; index < unitVmas.length; index++) {
            final long unitEnd = unitStart + run.lengths()[index] * segmentBytes;
            while (first < mappings.size() && mappings.get(first).endAddress() <= unitStart) {
                first++;
            }
            int count = 0;
            for (int scan = first; scan < mappings.size() && mappings.get(scan).startAddress() < unitEnd; scan++) {
                count++;
            }
            unitVmas[index] = Math.max(1, count);
            unitStart = unitEnd;
        }
        return unitVmas;
    }

    /**
     * The VMAs the moves of {@code run} carry, from {@code mappings} (its range's, read before):
     * each piece ({@link ArenaRange#slide}: at most the distance long) carries the VMAs it
     * overlaps, so a VMA cut by pieces counts once per piece, as one call per VMA would move it.
     */
    private long pieceVmas(final SlidePlan.Run run, final List<Mapping> mappings) {
        final int pieceLength = Math.min(run.count(), run.distance());
        long vmas = 0;
        for (int piece = run.from(); piece < run.from() + run.count(); piece += pieceLength) {
            final long pieceStart = range.segmentAddress(piece);
            final long pieceEnd = range.segmentAddress(Math.min(piece + pieceLength, run.from() + run.count()));
            for (final Mapping mapping : mappings) {
                if (mapping.startAddress() < pieceEnd && mapping.endAddress() > pieceStart) {
                    vmas++;
                }
            }
        }
        return vmas;
    }

    /**
     * After the slide: every free place that holds memory is decommitted (a fresh PROT_NONE
     * mapping over each stretch, which also merges its VMAs), in chunks the slice's budget
     * affords at the measured cost per place, and the range is cut to the live data plus a
     * quarter of it as headroom (never below its initial size, and never below a hole another
     * mapping holds).
     *
     * @return whether it is done; false when the budget ran out (the next slice goes on)
     */
    private boolean giveBackTail(final long deadlineNanos, final boolean didWork) {
        final int keptPlaces = keptPlaces();
        // Every free stretch that holds memory, the part the cut will unmap included (freeing
        // resident pages is what costs, in munmap as in mmap), in chunks that fit the budget.
        boolean first = !didWork;
        int place = 0;
        while (!tailRefused && place < places.count()) {
            if (!places.isFree(place) || !holdsMemory(place)) {
                place++;
                continue;
            }
            final long remaining = deadlineNanos - System.nanoTime();
            if (!first && remaining <= 0) {
                return false; // the next slice goes on from here
            }
            first = false;
            final int affordable = (int)Math.max(1, Math.min(Integer.MAX_VALUE, remaining / nanosPerDecommitPlace));
            int end = place;
            while (end < places.count() && end - place < affordable && places.isFree(end) && holdsMemory(end)) {
                end++;
            }
            final long start = System.nanoTime();
            if (!decommit(place, end - place)) {
                tailRefused = true; // kept as they are until the next compaction: nothing is lost
                break;
            }
            nanosPerDecommitPlace = Math.max(MIN_ESTIMATE_NANOS,
                0.75 * nanosPerDecommitPlace + 0.25 * (System.nanoTime() - start) / (end - place));
            place = end;
        }
        if (keptPlaces < places.count()) {
            try {
                range.shrink(keptPlaces * segmentBytes);
            } catch (final VmException | IllegalArgumentException refused) {
                return true; // the tail stays reserved: nothing lost, the next compaction tries again
            }
            segments.decommitted(keptPlaces, places.count() - keptPlaces);
            places.shrink(keptPlaces);
        }
        return true;
    }

    /**
     * The places the range keeps after a full compaction: the live ones plus headroom, never
     * fewer than at first, and never cut below an unusable place (another mapping holds it).
     * The forecast uses it too: a forecast that promised what the cut never gives back kept the
     * background policy due forever.
     */
    /** The places the tail cuts the range to, from what is there now (the highest used place counts). */
    private int keptPlaces() {
        int usedEnd = 0;
        int unusableEnd = 0;
        for (int place = 0; place < places.count(); place++) {
            final int occupant = places.occupant(place);
            if (occupant == Places.UNUSABLE) {
                unusableEnd = place + 1;
            } else if (occupant != Places.FREE) {
                usedEnd = place + 1;
            }
        }
        return keptPlaces(usedEnd, unusableEnd);
    }

    private int keptPlaces(final int usedEnd, final int unusableEnd) {
        return Math.min(places.count(),
            Math.max(Math.max(initialPlaces, unusableEnd), usedEnd + Math.max(1, usedEnd / HEADROOM_DIVISOR)));
    }

    private boolean holdsMemory(final int place) {
        return places.has(place, Places.COMMITTED) || places.has(place, Places.RETAINED);
    }


    /** Decommits free places; false when the system refused (they stay committed, and counted so). */
    private boolean decommit(final int start, final int count) {
        try {
            range.decommit(start, count);
        } catch (final VmException | IllegalArgumentException refused) {
            return false;
        }
        segments.decommitted(start, count);
        return true;
    }


    /** The forecast {@link ArenaStats} carries: {reclaimable committed bytes, reclaimable reserved bytes, estimated nanos}. */
    long[] forecast() {
        final int evacuable = evacuator.segmentsToEvacuate(evacuationThreshold);
        long freeCommitted = 0;
        int usedPlaces = 0;
        int unusableEnd = 0;
        for (int place = 0; place < places.count(); place++) {
            final int occupant = places.occupant(place);
            if (occupant == Places.FREE) {
                if (places.has(place, Places.COMMITTED)) {
                    freeCommitted += segmentBytes;
                }
            } else if (occupant == Places.UNUSABLE) {
                unusableEnd = place + 1;
            } else {
                usedPlaces++;
            }
        }
        final int keptPlaces = keptPlaces(usedPlaces - evacuable, unusableEnd);
        long movedSegments = 0;
        final List<SlidePlan.Run> plannedRuns = SlidePlan.runs(places, table, pmdPlaces, pudPlaces);
        for (final SlidePlan.Run run : plannedRuns) {
            movedSegments += run.count();
        }
        final int runs = plannedRuns.size();
        final long copiedBytes = (long)evacuable * segmentBytes / 4; // below the threshold: a quarter full at most
        final long nanos = (long)(runs * nanosPerRun + movedSegments * nanosPerVma + copiedBytes * nanosPerCopiedByte);
        final long[] forecast = {freeCommitted + (long)evacuable * segmentBytes,
            (places.count() - keptPlaces) * segmentBytes, nanos};
        lastForecast = forecast;
        return forecast;
    }

    /**
     * The last {@link #forecast()} the arena's own thread made (by stats(), a policy's check),
     * or zeros before the first: what a reader on another thread gets, since the forecast walks
     * structures only the owner may read while they change.
     */
    long[] lastForecast() {
        return lastForecast.clone();
    }

    /** Whether {@code policy}'s thresholds say the arena should compact now (cheap: no smaps). */
    boolean due(final CompactionPolicy policy) {
        final long usedBytes = heap.usedBytes();
        final long inUseBytes = (long)(segments.classSegments() + segments.runSegments()) * segmentBytes;
        final double fragmentation = inUseBytes == 0 ? 0 : 1 - (double)usedBytes / inUseBytes;
        final double reservedToLive = usedBytes == 0 ? Double.POSITIVE_INFINITY
            : (double)range.reservedBytes() / usedBytes;
        final long maxMapCount = range.space().capabilities().maxMapCount();
        final double vmaShare = maxMapCount <= 0 ? 0 : (double)range.space().mappings(range.base(),
            range.base() + range.reservedBytes(), io.vmarena.vm.MappingSource.AUTO).size() / maxMapCount;
        final boolean passed = fragmentation > policy.fragmentationAbove()
            || (usedBytes > 0 || range.reservedBytes() > (long)initialPlaces * segmentBytes)
            && reservedToLive > policy.reservedToLiveAbove()
            || vmaShare > policy.vmaShareAbove();
        if (!passed) {
            return false;
        }
        if (new SlidePlan(places, table, pmdPlaces, pudPlaces).next() != null || evacuator.hasWork(evacuationThreshold)
            || evacuationThreshold > 0 && evacuator.hasPackWork()) {
            return true;
        }
        // Retained segments are kept for reuse on purpose, up to the arena's ceiling: a policy that
        // decommitted them every period would undo retainedBytes (an explicit compact() still does).
        final long[] forecast = forecast();
        // The cut as the tail makes it from what is there (the forecast counts live places, which
        // gaps left by PMD-congruent large blocks exceed: it would keep the policy due for good).
        return forecast[0] - segments.retainedBytes() > 0 || keptPlaces() < places.count();
    }
}
