package io.vmarena;

import java.util.Arrays;

/**
 * Small blocks: each size class allocates from one current segment, then from its list of
 * segments with free blocks, then from a fresh segment.
 *
 * <pre>
 *  class 3 (64 B):  current -> [seg 7: 12,000 live]
 *                   partial -> [seg 2] <-> [seg 9] <-> [seg 4]     (some blocks free)
 *                   full segments are on no list; a free puts them back on it
 * </pre>
 *
 * A segment whose last block is freed goes back to the arena's free segments, except the
 * class's current one: an allocate-free loop then never takes and gives back a segment, so the
 * fast path makes no system call and allocates nothing. Not thread-safe.
 *
 * <p>A segment is on its class's list while it has a block to hand out and is not current. In
 * checked mode a slot may retire (see {@link SlotMap}): it is neither free nor live, so a
 * segment can be full with few live blocks, and a current segment can be full with none; such a
 * current is given back when the class moves on from it, and its retired slots come back with
 * the segment's next use.
 */
final class SmallBlocks {
    /** next/prev value of a segment on no list. */
    private static final int UNLINKED = -2;

    private final SegmentTable table;
    private final Segments segments;
    private final HandleCodec codec;
    private final int tag;
    private final boolean checked;
    private final long pageSize;
    private final int[] slotsPerSegment;
    /** Each class's current segment's map, or {@link #none} (never null: the fast path checks only isFull). */
    private final SlotMap[] current;
    /** The current map of a class that has none: no blocks, so always full. */
    private final SlotMap none;
    private final int[] partialHead;
    private final SlotMap[] pool;

    SmallBlocks(final SegmentTable table, final Segments segments, final SizeClasses classes,
        final long segmentBytes, final long pageSize, final HandleCodec codec, final int tag, final boolean checked) {
        this.pageSize = pageSize;
        this.table = table;
        this.segments = segments;
        this.codec = codec;
        this.tag = tag;
        this.checked = checked;
        final int classCount = classes.classCount();
        slotsPerSegment = new int[classCount];
        for (int sizeClass = 0; sizeClass < classCount; sizeClass++) {
            slotsPerSegment[sizeClass] = (int)(segmentBytes / SizeClasses.bytesOf(sizeClass));
        }
        none = new SlotMap(0, 0, false, codec, pageSize);
        current = new SlotMap[classCount];
        Arrays.fill(current, none);
        partialHead = new int[classCount];
        Arrays.fill(partialHead, SegmentTable.NONE);
        pool = new SlotMap[classCount];
    }

    /**
     * Each class's current map, never null (a class without one has an empty map that is always
     * full); the array itself never changes, so callers may keep it.
     */
    SlotMap[] currentMaps() {
        return current;
    }

    /** Allocates a block of {@code sizeClass}; returns its handle. May grow (and move) the arena. */
    long allocate(final int sizeClass) {
        SlotMap slotMap = current[sizeClass];
        if (slotMap.isFull()) {
            slotMap = refill(sizeClass);
        }
        return slotMap.handle(slotMap.take());
    }

    /**
     * A block of the segment {@code slotMap} describes was given back (or retired);
     * {@code liveCount} are left.
     */
    void afterFree(final SlotMap slotMap, final int liveCount) {
        if (slotMap.current) {
            return;
        }
        final int sizeClass = slotMap.sizeClass();
        final int segmentIndex = slotMap.segmentIndex;
        final boolean listed = table.next[segmentIndex] != UNLINKED;
        if (liveCount == 0) {
            if (listed) {
                unlink(sizeClass, segmentIndex);
            }
            retire(sizeClass, segmentIndex);
        } else if (!listed && !slotMap.isFull()) {
            link(sizeClass, segmentIndex);
        }
    }

    private SlotMap refill(final int sizeClass) {
        final int segmentIndex = partialHead[sizeClass];
        final SlotMap slotMap;
        if (segmentIndex != SegmentTable.NONE) {
            unlink(sizeClass, segmentIndex);
            slotMap = table.slotMaps[segmentIndex];
        } else {
            slotMap = attach(sizeClass);
        }
        // The segment it replaces is full: a later free puts it on the list. Full of retired
        // slots and nothing live, no free will: it goes back now.
        final SlotMap replaced = current[sizeClass];
        if (replaced != none) {
            replaced.current = false;
            if (replaced.liveCount() == 0) {
                retire(sizeClass, replaced.segmentIndex);
            }
        }
        current[sizeClass] = slotMap;
        slotMap.current = true;
        return slotMap;
    }

    /**
     * A new class segment: a free place (the arena may grow for it) and a free id, with a map
     * from the class's pool or a new one.
     */
    private SlotMap attach(final int sizeClass) {
        final int place = segments.take(1);
        final int segmentIndex = table.take(SegmentTable.CLASS, sizeClass, place);
        // Pages its place's last use may have left, and the holes trim made in them, before the
        // claim forgets them.
        final int priorPages = segments.keptEnd(place);
        final int priorHoles = segments.keptHoleCount(place);
        try {
            segments.claim(place, 1, segmentIndex, true);
        } catch (final RuntimeException refused) {
            table.release(segmentIndex);
            throw refused;
        }
        SlotMap slotMap = pool[sizeClass];
        if (slotMap == null) {
            slotMap = new SlotMap(sizeClass, slotsPerSegment[sizeClass], checked, codec, pageSize);
        } else {
            pool[sizeClass] = slotMap.nextInPool;
            slotMap.nextInPool = null;
        }
        slotMap.seed(segmentIndex, place, codec.encode(tag, segmentIndex, 0, 0), table.classFloor(segmentIndex, codec));
        if (segments.populatedByLock(place)) {
            slotMap.keepPrior(segments.segmentPageCount()); // the lock faulted every page in: no hole is left
        } else {
            slotMap.keepPrior(priorPages);
            if (priorHoles > 0) {
                final Places places = segments.places();
                places.keepHoles(place, slotMap.tradeReleased(places.keptHoles(place), priorHoles));
            }
        }
        table.slotMaps[segmentIndex] = slotMap;
        table.next[segmentIndex] = UNLINKED;
        table.prev[segmentIndex] = UNLINKED;
        return slotMap;
    }

    /**
     * Gives an empty segment back to the arena (its place and its id) and its slot map to the
     * class's pool. Its id stays FORWARDED while a forward of it is left (a relocation listener
     * threw at one of its blocks, whose old handle must keep working).
     */
    private void retire(final int sizeClass, final int segmentIndex) {
        final int place = table.place[segmentIndex];
        final SlotMap slotMap = table.slotMaps[segmentIndex];
        final int keptEnd = slotMap.residentPageEnd(); // before detach resets them
        final int keptPages = slotMap.residentPageCount();
        leaveHoles(place, slotMap);
        detach(sizeClass, segmentIndex);
        final Forwarding forward = table.forwarding[segmentIndex];
        if (forward != null && !forward.isEmpty()) {
            forwarded(segmentIndex);
        } else {
            table.release(segmentIndex);
        }
        segments.release(place, 1, true, keptEnd, keptPages);
    }

    /**
     * The pages trim gave back in an emptied segment's use go with its place (before detach
     * resets the map): kept while the place is retained, they are holes in what the place's next
     * use counts. The map's record and the place's old one trade hands: no allocation.
     */
    private void leaveHoles(final int place, final SlotMap slotMap) {
        final Places places = segments.places();
        places.keepHoles(place, slotMap.tradeReleased(places.keptHoles(place), 0));
    }

    /** An emptied segment's id keeps its forwards, and names no place or block any more. */
    private void forwarded(final int segmentIndex) {
        table.forwarded(segmentIndex);
    }

    /**
     * Ends an empty segment's use as a class segment: its floor moves past every generation it
     * handed out and its map goes back to the pool; its place and id are the caller's to release.
     */
    private void detach(final int sizeClass, final int segmentIndex) {
        final SlotMap slotMap = table.slotMaps[segmentIndex];
        table.generation[segmentIndex] = slotMap.nextFloor();
        table.slotMaps[segmentIndex] = null;
        slotMap.reset();
        slotMap.nextInPool = pool[sizeClass];
        pool[sizeClass] = slotMap;
    }

    private void link(final int sizeClass, final int segmentIndex) {
        final int head = partialHead[sizeClass];
        table.prev[segmentIndex] = SegmentTable.NONE;
        table.next[segmentIndex] = head;
        if (head != SegmentTable.NONE) {
            table.prev[head] = segmentIndex;
        }
        partialHead[sizeClass] = segmentIndex;
    }

    private void unlink(final int sizeClass, final int segmentIndex) {
        final int before = table.prev[segmentIndex];
        final int after = table.next[segmentIndex];
        if (before == SegmentTable.NONE) {
            partialHead[sizeClass] = after;
        } else {
            table.next[before] = after;
        }
        if (after != SegmentTable.NONE) {
            table.prev[after] = before;
        }
        table.next[segmentIndex] = UNLINKED;
        table.prev[segmentIndex] = UNLINKED;
    }

    /** Whether {@code slotMap} is its class's current map (allocation takes from it first). */
    boolean isCurrent(final SlotMap slotMap) {
        return slotMap.current;
    }

    /** For evacuation: a block was taken from a segment other than through allocate; keeps its list right. */
    void afterTake(final SlotMap slotMap) {
        if (!slotMap.current && slotMap.isFull() && table.next[slotMap.segmentIndex] != UNLINKED) {
            unlink(slotMap.sizeClass(), slotMap.segmentIndex);
        }
    }

    /**
     * For evacuation: every live block of class segment {@code segmentIndex} (not current) was
     * copied away and given back. Its map goes back to the pool and its place to the arena; its
     * id is released, or kept as FORWARDED while handles into it are forwarded.
     */
    void evacuated(final int segmentIndex, final boolean forwarded) {
        final SlotMap slotMap = table.slotMaps[segmentIndex];
        final int sizeClass = slotMap.sizeClass();
        final int place = table.place[segmentIndex];
        if (table.next[segmentIndex] != UNLINKED) {
            unlink(sizeClass, segmentIndex);
        }
        final int keptEnd = slotMap.residentPageEnd(); // before detach resets them
        final int keptPages = slotMap.residentPageCount();
        leaveHoles(place, slotMap);
        detach(sizeClass, segmentIndex);
        if (forwarded) {
            forwarded(segmentIndex);
        } else {
            table.release(segmentIndex);
        }
        segments.release(place, 1, true, keptEnd, keptPages);
    }

    /**
     * Gives back every class's current segment that holds no live block: they are kept for the
     * next allocation of their class, but a run that needs the space comes first.
     *
     * @return whether any was given back
     */
    boolean retireEmptyCurrents() {
        boolean retired = false;
        for (int sizeClass = 0; sizeClass < current.length; sizeClass++) {
            final SlotMap slotMap = current[sizeClass];
            if (slotMap != none && slotMap.liveCount() == 0) {
                current[sizeClass] = none;
                slotMap.current = false;
                retire(sizeClass, slotMap.segmentIndex);
                retired = true;
            }
        }
        return retired;
    }
}
