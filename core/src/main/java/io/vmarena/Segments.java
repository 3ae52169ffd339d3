package io.vmarena;

import io.vmarena.vm.VmException;

/**
 * Whole segments, by place in the range: finding free places (first fit, lowest first, so the
 * arena stays dense at its start), committing them, growing the arena when none is free, and
 * giving the memory of free ones back.
 *
 * <p>A freed segment is <em>retained</em> (its pages stay resident, ready for reuse) while the
 * retained bytes stay under the arena's ceiling; beyond it, its pages go back to the system at
 * once with MADV_DONTNEED. {@link #trim} gives back retained segments on demand, highest first.
 * Not thread-safe.
 */
final class Segments {
    private final String arenaName;
    private final Places places;
    private final ArenaRange range;
    private final long segmentBytes;
    private final long maximumBytes;
    private final long retainedCeilingBytes;
    private long retainedBytes;
    private int classSegments;
    private int runSegments;
    private final Pinning pinning;
    /** Segments claimed since the arena was built: a pinning policy's measure of activity, counted off the fast path. */
    private long claims;

    Segments(final String arenaName, final Places places, final ArenaRange range, final long segmentBytes,
        final long maximumBytes, final long retainedCeilingBytes) {
        this(arenaName, places, range, segmentBytes, maximumBytes, retainedCeilingBytes, PinFallback.REFUSE);
    }

    Segments(final String arenaName, final Places places, final ArenaRange range, final long segmentBytes,
        final long maximumBytes, final long retainedCeilingBytes, final PinFallback pinFallback) {
        this.pinning = new Pinning(arenaName, places, range, segmentBytes, pinFallback);
        range.lockModes(pinning::lockModeAt);
        this.arenaName = arenaName;
        this.places = places;
        this.range = range;
        this.segmentBytes = segmentBytes;
        this.maximumBytes = maximumBytes;
        this.retainedCeilingBytes = retainedCeilingBytes;
    }

    Places places() {
        return places;
    }

    Pinning pinning() {
        return pinning;
    }

    long segmentBytes() {
        return segmentBytes;
    }

    long retainedBytes() {
        return retainedBytes;
    }

    long retainedCeilingBytes() {
        return retainedCeilingBytes;
    }

    int classSegments() {
        return classSegments;
    }

    int runSegments() {
        return runSegments;
    }

    long claims() {
        return claims;
    }

    /**
     * The first of {@code count} free places, growing the arena if there are not that many in a
     * row. Growth may move the arena: every address is stale afterwards.
     *
     * @throws ArenaFullException past the maximum size, or when the system refuses to reserve
     */
    int take(final int count) {
        final int start = find(count);
        if (start != Places.NONE) {
            return start;
        }
        return takeByGrowing(count);
    }

    /** The first of {@code count} free places in a row, or {@link Places#NONE}. */
    int find(final int count) {
        return places.findFree(count, false);
    }

    /** Grows the arena so that {@code count} free places end it; returns the first. */
    int takeByGrowing(final int count) {
        final int openStart = places.findFree(count, true);
        ensureSegments((long)openStart + count);
        return openStart;
    }

    /** Grows the arena, doubling, until it has at least {@code placeCount} places. */
    void ensureSegments(final long placeCount) {
        if (placeCount <= places.count()) {
            return;
        }
        final long neededBytes = placeCount * segmentBytes;
        if (neededBytes > maximumBytes) {
            throw new ArenaFullException("arena '" + arenaName + "' would need " + neededBytes + " bytes, more than "
                + "its maximum of " + maximumBytes + ": free blocks, or build it with a larger maximumBytes", null);
        }
        final boolean moved;
        try {
            moved = range.grow(neededBytes, maximumBytes, newBytes -> places.grow((int)(newBytes / segmentBytes)),
                ownedStretches());
        } catch (final VmException | IllegalArgumentException | UnsupportedOperationException refused) {
            throw new ArenaFullException("arena '" + arenaName + "' could not grow from " + range.reservedBytes()
                + " to at least " + neededBytes + " bytes: " + refused.getMessage(), refused);
        }
        if (moved) {
            reclaimUnusable();
        }
    }

    /**
     * The arena's own parts of its range: every stretch of places but the UNUSABLE ones (holes
     * another mapping took), as {offset, length} pairs in bytes, in address order.
     */
    java.util.List<long[]> ownedStretches() {
        final java.util.List<long[]> stretches = new java.util.ArrayList<>(1);
        int start = 0;
        for (int place = 0; place <= places.count(); place++) {
            if (place == places.count() || places.occupant(place) == Places.UNUSABLE) {
                if (place > start) {
                    stretches.add(new long[] {start * segmentBytes, (place - start) * segmentBytes});
                }
                start = place + 1;
            }
        }
        return stretches;
    }

    /**
     * After the arena moved to a new reservation, the places whose old range another mapping
     * held are plain reserved memory in the new one: free again, with no memory behind them.
     */
    private void reclaimUnusable() {
        for (int place = 0; place < places.count(); place++) {
            if (places.occupant(place) == Places.UNUSABLE) {
                places.markFree(place);
                places.clear(place, (byte)(Places.COMMITTED | Places.RETAINED | Places.LOCKED));
            }
        }
    }

    /** Whether the arena may grow to {@code placeCount} places. */
    boolean fits(final long placeCount) {
        return placeCount * segmentBytes <= maximumBytes;
    }

    /**
     * Gives {@code [start, start + count)}, all free, to segment {@code id}: a class segment's
     * one place, a new run's places, or the places a run grows by. Commits the ones not yet
     * committed, in one call per stretch, and stops counting them as retained.
     *
     * @throws ArenaFullException when the system refuses to commit; nothing is marked then
     */
    void claim(final int start, final int count, final int id, final boolean classSegment) {
        claimUnlocked(start, count, id, classSegment);
        pinning.claimed(start, count);
    }

    /**
     * {@link #claim} without locking the places in a pinned arena: for the destination of a
     * block's move, which the move replaces with the block's own VMAs, locked as they were;
     * locking it first would count it twice against RLIMIT_MEMLOCK until the move. The caller
     * locks what needs it after the move ({@link Pinning#claimed}).
     */
    void claimUnlocked(final int start, final int count, final int id, final boolean classSegment) {
        int uncommittedStart = Places.NONE;
        for (int place = start; place <= start + count; place++) {
            final boolean uncommitted = place < start + count && !places.has(place, Places.COMMITTED);
            if (uncommitted && uncommittedStart == Places.NONE) {
                uncommittedStart = place;
            } else if (!uncommitted && uncommittedStart != Places.NONE) {
                commit(uncommittedStart, place - uncommittedStart);
                uncommittedStart = Places.NONE;
            }
        }
        for (int place = start; place < start + count; place++) {
            places.set(place, Places.COMMITTED);
            if (places.has(place, Places.RETAINED)) {
                places.clear(place, Places.RETAINED);
                retainedBytes -= segmentBytes;
            }
            places.occupy(place, id);
        }
        if (classSegment) {
            classSegments += count;
        } else {
            runSegments += count;
        }
        claims += count;
    }

    /** Commits, or fails with nothing marked: the places stay free. */
    private void commit(final int start, final int count) {
        try {
            range.commit(start, count);
        } catch (final VmException refused) {
            throw new ArenaFullException("arena '" + arenaName + "' could not commit " + count * segmentBytes
                + " bytes: " + refused.getMessage(), refused);
        }
    }

    /**
     * Marks {@code [start, start + count)} free. They stay retained while the retained bytes fit
     * the ceiling; the rest, from the highest down, are given back at once.
     */
    void release(final int start, final int count, final boolean classSegment) {
        release(start, count, classSegment, segmentPageCount(), segmentPageCount());
    }

    /**
     * {@link #release(int, int, boolean)}, for places whose use may have left only
     * {@code keptPageCount} of their pages in memory, all below page {@code keptPageEnd} (a class
     * segment's last use): what they keep while retained, in the arena's account of residency.
     */
    void release(final int start, final int count, final boolean classSegment, final int keptPageEnd,
        final int keptPageCount) {
        if (classSegment) {
            classSegments -= count;
        } else {
            runSegments -= count;
        }
        for (int place = start; place < start + count; place++) {
            places.markFree(place);
            places.set(place, Places.RETAINED);
            places.keep(place, keptPageEnd, keptPageCount);
        }
        retainedBytes += count * segmentBytes;
        if (retainedBytes > retainedCeilingBytes) {
            final long excessBytes = retainedBytes - retainedCeilingBytes;
            final int giveBack = (int)Math.min(count, (excessBytes + segmentBytes - 1) / segmentBytes);
            giveBack(start + count - giveBack, giveBack);
        }
    }

    /**
     * Marks {@code [start, start + count)} free with no memory behind them: a segment moved away
     * and its old range was reserved again, PROT_NONE.
     */
    void vacate(final int start, final int count) {
        runSegments -= count;
        for (int place = start; place < start + count; place++) {
            places.markFree(place);
            places.clear(place, (byte)(Places.COMMITTED | Places.RETAINED | Places.LOCKED));
        }
    }

    /**
     * Gives free places {@code [start, start + count)} to segment {@code id}, which a move just
     * brought there with its memory: committed, and no longer retained.
     */
    void occupyMoved(final int start, final int count, final int id) {
        for (int place = start; place < start + count; place++) {
            if (places.has(place, Places.RETAINED)) {
                retainedBytes -= segmentBytes;
            }
            places.clear(place, Places.RETAINED);
            places.set(place, Places.COMMITTED);
            places.occupy(place, id);
        }
    }

    /**
     * Which of places {@code [start, start + count)} are locked, for a move to carry to where they
     * go (mremap moves the lock with the pages); null when none is (no array in an unpinned arena).
     */
    boolean[] lockedFlags(final int start, final int count) {
        boolean[] locked = null;
        for (int index = 0; index < count; index++) {
            if (places.has(start + index, Places.LOCKED)) {
                if (locked == null) {
                    locked = new boolean[count];
                }
                locked[index] = true;
            }
        }
        return locked;
    }

    /** Places from {@code start} on hold what a move brought, locked as {@code locked} says (null: none). */
    void carryLocks(final int start, final int count, final boolean[] locked) {
        for (int index = 0; index < count; index++) {
            if (locked != null && locked[index]) {
                places.set(start + index, Places.LOCKED);
            } else {
                places.clear(start + index, Places.LOCKED);
            }
        }
    }

    /** Takes free places {@code [start, start + count)} out of use for good: their range is a hole. */
    void quarantine(final int start, final int count) {
        for (int place = start; place < start + count; place++) {
            places.occupy(place, Places.UNUSABLE);
            if (places.has(place, Places.RETAINED)) {
                retainedBytes -= segmentBytes;
            }
            // None of the arena's memory is there: nothing of it is committed, retained or locked.
            places.clear(place, (byte)(Places.COMMITTED | Places.RETAINED | Places.LOCKED));
        }
    }

    /** Gives back retained places, highest first, until {@code bytes} are given back; returns how many bytes were. */
    long trim(final long bytes) {
        return trim(bytes, 0);
    }

    /**
     * {@link #trim(long)}, keeping huge pages in use whole when {@code hugePageBytes} is positive
     * (the PMD size): a retained place is skipped when its PMD-aligned range holds a place in
     * use, since giving it back would split that range's huge page (MADV_DONTNEED on part of a
     * huge page splits it into base pages for good). Only segments smaller than a PMD share one.
     */
    long trim(final long bytes, final long hugePageBytes) {
        long givenBytes = 0;
        int place = places.count() - 1;
        while (place >= 0 && givenBytes < bytes) {
            if (!places.has(place, Places.RETAINED) || sharesHugePageInUse(place, hugePageBytes)) {
                place--;
                continue;
            }
            int start = place;
            while (start > 0 && places.has(start - 1, Places.RETAINED)
                && !sharesHugePageInUse(start - 1, hugePageBytes)
                && givenBytes + (place - start + 1) * segmentBytes < bytes) {
                start--;
            }
            if (giveBack(start, place - start + 1)) {
                givenBytes += (place - start + 1) * segmentBytes;
            }
            place = start - 1;
        }
        return givenBytes;
    }

    /**
     * Whether the {@code hugePageBytes}-aligned range (by address) around {@code place} holds a
     * place in use. False when {@code hugePageBytes} is 0 or a segment is at least that long.
     */
    private boolean sharesHugePageInUse(final int place, final long hugePageBytes) {
        if (hugePageBytes <= segmentBytes) {
            return false;
        }
        final long base = range.segmentAddress(0);
        final long hugePageStart = range.segmentAddress(place) & -hugePageBytes;
        final int first = (int)Math.max(0, (hugePageStart - base) / segmentBytes);
        final int end = (int)Math.min(places.count(), (hugePageStart + hugePageBytes - base) / segmentBytes);
        for (int neighbour = first; neighbour < end; neighbour++) {
            if (places.occupant(neighbour) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Gives retained places' pages back, unlocking them first in a pinned arena (MADV_DONTNEED
     * refuses locked memory); false when the kernel kept them (they stay retained).
     */
    private boolean giveBack(final int start, final int count) {
        if (!pinning.unlockForRelease(start, count)) {
            pinning.claimed(start, count); // kept: what an unlock refused part way unlocked is locked again
            return false;
        }
        if (!range.release(range.segmentAddress(start), count * segmentBytes)) {
            pinning.claimed(start, count); // kept after all: a pinned arena locks what it keeps again
            return false;
        }
        for (int place = start; place < start + count; place++) {
            places.clear(place, Places.RETAINED);
        }
        retainedBytes -= count * segmentBytes;
        return true;
    }

    /**
     * Free places {@code [start, start + count)} are uncommitted now (decommitted, or cut off
     * with the range's tail): they are neither committed nor retained any more.
     */
    void decommitted(final int start, final int count) {
        for (int place = start; place < start + count; place++) {
            if (places.has(place, Places.RETAINED)) {
                retainedBytes -= segmentBytes;
            }
            places.clear(place, (byte)(Places.COMMITTED | Places.RETAINED | Places.LOCKED));
        }
    }

    /** The pages of one segment. */
    int segmentPageCount() {
        return (int)(segmentBytes / range.space().pageSize());
    }

    /**
     * One past the last page of free place {@code place} that may be in memory: what its last use
     * kept while it is retained, 0 when it is fresh (never committed, decommitted, or its pages
     * given back). Read before a claim, which forgets it.
     */
    int keptEnd(final int place) {
        return places.has(place, Places.RETAINED) ? places.keptEnd(place) : 0;
    }

    /**
     * Of those pages, how many trim gave back during that use (the place's {@link Places#keptHoles}
     * say which): 0 when it is not retained.
     */
    int keptHoleCount(final int place) {
        return places.has(place, Places.RETAINED) ? places.keptEnd(place) - places.keptPages(place) : 0;
    }

    /** Whether claiming {@code place} locked it with a plain mlock, which faults every page in. */
    boolean populatedByLock(final int place) {
        return places.has(place, Places.LOCKED) && pinning.lockPopulates();
    }

    long committedBytes() {
        return committedBytes(places);
    }

    /** The committed bytes of {@code view}: these places, or a reader's copy of them. */
    long committedBytes(final Places view) {
        long committed = 0;
        for (int place = 0; place < view.count(); place++) {
            if (view.has(place, Places.COMMITTED)) {
                committed += segmentBytes;
            }
        }
        return committed;
    }
}
