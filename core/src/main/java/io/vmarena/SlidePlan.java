package io.vmarena;

import java.util.ArrayList;
import java.util.List;

/**
 * Where sliding compaction moves each segment: every live segment (a class segment, or a run as
 * a whole) slides down to the lowest free place after the ones below it, so the live data ends
 * dense at the start of the range, in the order it had. Consecutive segments that move by the
 * same distance form one {@link Run}, moved with one call however many VMAs it spans.
 *
 * <pre>
 *  before  [A][ ][B][C][ ][ ][D][E][F]      runs: B C by 1, D E F by 3
 *  after   [A][B][C][D][E][F][ ][ ][ ]
 * </pre>
 *
 * A segment at least a PMD long lands at a place congruent to its own modulo the PMD (the PUD
 * for one at least a PUD long), both computed from the running kernel's page size, so the
 * kernel can move its page tables whole and keep its huge pages; smaller ones move anywhere.
 * Places another mapping holds (UNUSABLE) are stepped over. Computed from the tables, not kept:
 * a slice plans again from what is there, starting at the lowest free place.
 */
final class SlidePlan {
    /** Consecutive segments that move down by one distance: places [from, from + count) to [to, to + count). */
    record Run(int from, int to, int count, int[] ids, int[] lengths) {
        int distance() {
            return from - to;
        }
    }

    private final Places places;
    private final SegmentTable table;
    private final int pmdPlaces;
    private final int pudPlaces;
    /** The first place not looked at yet. */
    private int place;
    /** The lowest place a segment looked at next may move to. */
    private int cursor;

    /**
     * A plan from the lowest free place up (everything below it is dense and stays), made one
     * run at a time as {@link #next} is called, so a slice pays for the runs it moves, not for
     * the whole range.
     *
     * @param pmdPlaces places per PMD (at least 1)
     * @param pudPlaces places per PUD (at least 1)
     */
    SlidePlan(final Places places, final SegmentTable table, final int pmdPlaces, final int pudPlaces) {
        this.places = places;
        this.table = table;
        this.pmdPlaces = pmdPlaces;
        this.pudPlaces = pudPlaces;
        final int lowestFree = places.lowestFree();
        place = lowestFree == Places.NONE ? places.count() : lowestFree;
        cursor = place;
    }

    /** Every run, lowest first (for forecasts and tests). */
    static List<Run> runs(final Places places, final SegmentTable table, final int pmdPlaces, final int pudPlaces) {
        final SlidePlan plan = new SlidePlan(places, table, pmdPlaces, pudPlaces);
        final List<Run> runs = new ArrayList<>();
        for (Run run = plan.next(); run != null; run = plan.next()) {
            runs.add(run);
        }
        return runs;
    }

    /**
     * The next run, or null when nothing else moves. The caller may move each run before asking
     * for the next: a run changes only places below the ones still to be looked at.
     */
    Run next() {
        return next(Integer.MAX_VALUE);
    }

    /**
     * The next run, of at most {@code maxUnits} segments (a class segment or a whole large block
     * each): a slice plans only what its budget could move, and the rest of a long run comes back
     * as the next run, moving by the same distance.
     */
    Run next(final int maxUnits) {
        int runFrom = -1;
        int runTo = -1;
        int runCount = 0;
        final List<Integer> ids = new ArrayList<>();
        final List<Integer> lengths = new ArrayList<>();
        while (place < places.count() && ids.size() < maxUnits) {
            final int taken = places.nextTaken(place);
            if (taken == Places.NONE) {
                place = places.count();
                break;
            }
            final int id = places.occupant(taken);
            if (id == Places.UNUSABLE) {
                if (runCount > 0) {
                    break; // the run ends before it; look at it again next time
                }
                cursor = Math.max(cursor, taken + 1);
                place = taken + 1;
                continue;
            }
            final int length = table.state[id] == SegmentTable.RUN_HEAD ? table.detail[id] : 1;
            final int target = target(places, cursor, taken, length, length >= pudPlaces ? pudPlaces
                : length >= pmdPlaces ? pmdPlaces : 1);
            if (runCount > 0 && (runFrom + runCount != taken || taken - target != runFrom - runTo)) {
                break; // it does not join the run: the next call starts with it
            }
            if (target < taken) {
                if (runCount == 0) {
                    runFrom = taken;
                    runTo = target;
                }
                runCount += length;
                ids.add(id);
                lengths.add(length);
            } else if (runCount > 0) {
                break;
            }
            cursor = target + length;
            place = taken + length;
        }
        return runCount == 0 ? null : run(runFrom, runTo, runCount, ids, lengths);
    }

    /**
     * The lowest place at or after {@code cursor} (and at most {@code place}, where the segment
     * is) congruent to {@code place} modulo {@code congruence}, with no UNUSABLE place in its
     * {@code length}.
     */
    private static int target(final Places places, final int cursor, final int place, final int length,
        final int congruence) {
        int target = align(cursor, place, congruence);
        while (target < place) {
            final int blocked = unusableIn(places, target, length);
            if (blocked < 0) {
                return target;
            }
            target = align(blocked + 1, place, congruence);
        }
        return place;
    }

    private static int align(final int from, final int place, final int congruence) {
        return from + Math.floorMod(place - from, congruence);
    }

    /** The last UNUSABLE place in {@code [start, start + length)}, or -1. */
    private static int unusableIn(final Places places, final int start, final int length) {
        for (int place = Math.min(places.count(), start + length) - 1; place >= start; place--) {
            if (places.occupant(place) == Places.UNUSABLE) {
                return place;
            }
        }
        return -1;
    }

    private static Run run(final int from, final int to, final int count, final List<Integer> ids,
        final List<Integer> lengths) {
        final Run run = new Run(from, to, count, ids.stream().mapToInt(Integer::intValue).toArray(),
            lengths.stream().mapToInt(Integer::intValue).toArray());
        ids.clear();
        lengths.clear();
        return run;
    }

    /** The first {@code units} segments of {@code run} (a class segment or a whole large block each) as a run of their own. */
    static Run prefix(final Run run, final int units) {
        if (units >= run.ids().length) {
            return run;
        }
        int count = 0;
        for (int index = 0; index < units; index++) {
            count += run.lengths()[index];
        }
        return new Run(run.from(), run.to(), count, java.util.Arrays.copyOf(run.ids(), units),
            java.util.Arrays.copyOf(run.lengths(), units));
    }
}
