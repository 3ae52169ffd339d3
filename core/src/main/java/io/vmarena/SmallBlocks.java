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
 */
final class SmallBlocks {
    /** next/prev value of a segment on no list. */
    private static final int UNLINKED = -2;

    private final SegmentTable table;
    private final Segments segments;
    private final boolean checked;
    private final int[] slotsPerSegment;
    private final int[] current;
    private final int[] partialHead;
    private final SlotMap[] pool;

    SmallBlocks(final SegmentTable table, final Segments segments, final SizeClasses classes,
        final long segmentBytes, final boolean checked) {
        this.table = table;
        this.segments = segments;
        this.checked = checked;
        final int classCount = classes.classCount();
        slotsPerSegment = new int[classCount];
        for (int sizeClass = 0; sizeClass < classCount; sizeClass++) {
            slotsPerSegment[sizeClass] = (int)(segmentBytes / SizeClasses.bytesOf(sizeClass));
        }
        current = new int[classCount];
        partialHead = new int[classCount];
        Arrays.fill(current, SegmentTable.NONE);
        Arrays.fill(partialHead, SegmentTable.NONE);
        pool = new SlotMap[classCount];
    }

    /** Allocates a block of {@code sizeClass}; returns its segment in the high int, slot in the low. */
    long allocate(final int sizeClass) {
        int segmentIndex = current[sizeClass];
        if (segmentIndex == SegmentTable.NONE || table.slotMaps[segmentIndex].isFull()) {
            segmentIndex = refill(sizeClass);
        }
        final int slot = table.slotMaps[segmentIndex].take();
        return ((long)segmentIndex << 32) | slot;
    }

    /** Frees a live block. */
    void free(final int segmentIndex, final int slot) {
        final SlotMap slotMap = table.slotMaps[segmentIndex];
        final boolean wasFull = slotMap.isFull();
        final int liveCount = slotMap.give(slot);
        final int sizeClass = table.detail[segmentIndex];
        if (segmentIndex == current[sizeClass]) {
            return;
        }
        if (liveCount == 0) {
            if (!wasFull) {
                unlink(sizeClass, segmentIndex);
            }
            retire(sizeClass, segmentIndex);
        } else if (wasFull) {
            link(sizeClass, segmentIndex);
        }
    }

    private int refill(final int sizeClass) {
        int segmentIndex = partialHead[sizeClass];
        if (segmentIndex != SegmentTable.NONE) {
            unlink(sizeClass, segmentIndex);
        } else {
            segmentIndex = segments.take(1);
            SlotMap slotMap = pool[sizeClass];
            if (slotMap == null) {
                slotMap = new SlotMap(slotsPerSegment[sizeClass], checked);
            } else {
                pool[sizeClass] = slotMap.nextInPool;
                slotMap.nextInPool = null;
            }
            segments.claim(segmentIndex, 1, SegmentTable.CLASS, sizeClass);
            table.slotMaps[segmentIndex] = slotMap;
            table.next[segmentIndex] = UNLINKED;
            table.prev[segmentIndex] = UNLINKED;
        }
        // The segment it replaces is full: a later free puts it on the list.
        current[sizeClass] = segmentIndex;
        return segmentIndex;
    }

    /** Gives an empty segment back to the arena and its slot map to the class's pool. */
    private void retire(final int sizeClass, final int segmentIndex) {
        final SlotMap slotMap = table.slotMaps[segmentIndex];
        slotMap.reset();
        slotMap.nextInPool = pool[sizeClass];
        pool[sizeClass] = slotMap;
        segments.release(segmentIndex, 1);
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

    /**
     * Gives back every class's current segment that holds no live block: they are kept for the
     * next allocation of their class, but a run that needs the space comes first.
     *
     * @return whether any was given back
     */
    boolean retireEmptyCurrents() {
        boolean retired = false;
        for (int sizeClass = 0; sizeClass < current.length; sizeClass++) {
            final int segmentIndex = current[sizeClass];
            if (segmentIndex != SegmentTable.NONE && table.slotMaps[segmentIndex].liveCount() == 0) {
                current[sizeClass] = SegmentTable.NONE;
                retire(sizeClass, segmentIndex);
                retired = true;
            }
        }
        return retired;
    }
}
