package io.vmarena;

import io.vmarena.vm.VmException;

/**
 * Whole segments: finding free ones (first fit, lowest first, so the arena stays dense at its
 * start), committing them, growing the arena when none is free, and giving the memory of free
 * ones back.
 *
 * <p>A freed segment is <em>retained</em> (its pages stay resident, ready for reuse) while the
 * retained bytes stay under the arena's ceiling; beyond it, its pages go back to the system at
 * once with MADV_DONTNEED. {@link #trim} gives back retained segments on demand, highest first.
 * Not thread-safe.
 */
final class Segments {
    private final String arenaName;
    private final SegmentTable table;
    private final ArenaRange range;
    private final long segmentBytes;
    private final long maximumBytes;
    private final long retainedCeilingBytes;
    private long retainedBytes;
    private int classSegments;
    private int runSegments;

    Segments(final String arenaName, final SegmentTable table, final ArenaRange range, final long segmentBytes,
        final long maximumBytes, final long retainedCeilingBytes) {
        this.arenaName = arenaName;
        this.table = table;
        this.range = range;
        this.segmentBytes = segmentBytes;
        this.maximumBytes = maximumBytes;
        this.retainedCeilingBytes = retainedCeilingBytes;
    }

    long retainedBytes() {
        return retainedBytes;
    }

    int classSegments() {
        return classSegments;
    }

    int runSegments() {
        return runSegments;
    }

    /**
     * The first index of {@code count} free segments, growing the arena if there are not that
     * many in a row. Growth may move the arena: every address is stale afterwards.
     *
     * @throws ArenaFullException past the maximum size, or when the system refuses to reserve
     */
    int take(final int count) {
        final int start = find(count);
        if (start != SegmentTable.NONE) {
            return start;
        }
        return takeByGrowing(count);
    }

    /** The first index of {@code count} free segments in a row, or {@link SegmentTable#NONE}. */
    int find(final int count) {
        return count == 1 ? table.lowestFree() : table.findFreeRun(count, false);
    }

    /** Grows the arena so that {@code count} free segments end it; returns the first. */
    int takeByGrowing(final int count) {
        final int openStart = table.findFreeRun(count, true);
        ensureSegments((long)openStart + count);
        return openStart;
    }

    /** Grows the arena, doubling, until it has at least {@code segmentCount} segments. */
    void ensureSegments(final long segmentCount) {
        if (segmentCount <= table.segmentCount()) {
            return;
        }
        final long neededBytes = segmentCount * segmentBytes;
        if (neededBytes > maximumBytes) {
            throw new ArenaFullException("arena '" + arenaName + "' would need " + neededBytes + " bytes, more than "
                + "its maximum of " + maximumBytes + ": free blocks, or build it with a larger maximumBytes", null);
        }
        final boolean moved;
        try {
            moved = range.grow(neededBytes, maximumBytes, newBytes -> table.grow((int)(newBytes / segmentBytes)),
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
     * The arena's own parts of its range: every stretch of segments but the UNUSABLE ones (holes
     * another mapping took), as {offset, length} pairs in bytes, in address order.
     */
    java.util.List<long[]> ownedStretches() {
        final java.util.List<long[]> stretches = new java.util.ArrayList<>(1);
        int start = 0;
        for (int index = 0; index <= table.segmentCount(); index++) {
            if (index == table.segmentCount() || table.state[index] == SegmentTable.UNUSABLE) {
                if (index > start) {
                    stretches.add(new long[] {start * segmentBytes, (index - start) * segmentBytes});
                }
                start = index + 1;
            }
        }
        return stretches;
    }

    /**
     * After the arena moved to a new reservation, the segments whose old range another mapping
     * held are plain reserved memory in the new one: free again, with no memory behind them.
     */
    private void reclaimUnusable() {
        for (int index = 0; index < table.segmentCount(); index++) {
            if (table.state[index] == SegmentTable.UNUSABLE) {
                table.markFree(index);
                table.clear(index, (byte)(SegmentTable.COMMITTED | SegmentTable.RETAINED));
            }
        }
    }

    /** Whether the arena may grow to {@code segmentCount} segments. */
    boolean fits(final long segmentCount) {
        return segmentCount * segmentBytes <= maximumBytes;
    }

    /**
     * Marks {@code [start, start + count)}, all free, as {@code state} with {@code detail}: a
     * new run's head gets RUN_HEAD and its length, the rest RUN_BODY and the head's index; the
     * segments a run grows by get RUN_BODY and the head's index. Commits the ones not yet
     * committed, in one call per stretch, and stops counting them as retained.
     */
    void claim(final int start, final int count, final byte state, final int detail) {
        int uncommittedStart = SegmentTable.NONE;
        for (int index = start; index <= start + count; index++) {
            final boolean uncommitted = index < start + count && !table.has(index, SegmentTable.COMMITTED);
            if (uncommitted && uncommittedStart == SegmentTable.NONE) {
                uncommittedStart = index;
            } else if (!uncommitted && uncommittedStart != SegmentTable.NONE) {
                commit(uncommittedStart, index - uncommittedStart);
                uncommittedStart = SegmentTable.NONE;
            }
        }
        for (int index = start; index < start + count; index++) {
            table.set(index, SegmentTable.COMMITTED);
            if (table.has(index, SegmentTable.RETAINED)) {
                table.clear(index, SegmentTable.RETAINED);
                retainedBytes -= segmentBytes;
            }
            if (index == start || state != SegmentTable.RUN_HEAD) {
                table.markUsed(index, state, detail);
            } else {
                table.markUsed(index, SegmentTable.RUN_BODY, start);
            }
        }
        if (state == SegmentTable.CLASS) {
            classSegments += count;
        } else {
            runSegments += count;
        }
    }

    /** Commits, or fails with nothing marked: the segments stay free. */
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
    void release(final int start, final int count) {
        if (table.state[start] == SegmentTable.CLASS) {
            classSegments -= count;
        } else {
            runSegments -= count;
        }
        for (int index = start; index < start + count; index++) {
            table.markFree(index);
            table.set(index, SegmentTable.RETAINED);
        }
        retainedBytes += count * segmentBytes;
        if (retainedBytes > retainedCeilingBytes) {
            final long excessBytes = retainedBytes - retainedCeilingBytes;
            final int giveBack = (int)Math.min(count, (excessBytes + segmentBytes - 1) / segmentBytes);
            giveBack(start + count - giveBack, giveBack);
        }
    }

    /**
     * Marks {@code [start, start + count)} free with no memory behind them: a run moved away and
     * its old range was reserved again, PROT_NONE.
     */
    void vacate(final int start, final int count) {
        runSegments -= count;
        for (int index = start; index < start + count; index++) {
            table.markFree(index);
            table.clear(index, (byte)(SegmentTable.COMMITTED | SegmentTable.RETAINED));
        }
    }

    /** Takes free segments {@code [start, start + count)} out of use for good: their range is a hole. */
    void quarantine(final int start, final int count) {
        for (int index = start; index < start + count; index++) {
            table.markUsed(index, SegmentTable.UNUSABLE, 0);
        }
    }

    /** Gives back retained segments, highest first, until {@code bytes} are given back; returns how many bytes were. */
    long trim(final long bytes) {
        long givenBytes = 0;
        int index = table.segmentCount() - 1;
        while (index >= 0 && givenBytes < bytes) {
            if (!table.has(index, SegmentTable.RETAINED)) {
                index--;
                continue;
            }
            int start = index;
            while (start > 0 && table.has(start - 1, SegmentTable.RETAINED)
                && givenBytes + (index - start + 1) * segmentBytes < bytes) {
                start--;
            }
            if (giveBack(start, index - start + 1)) {
                givenBytes += (index - start + 1) * segmentBytes;
            }
            index = start - 1;
        }
        return givenBytes;
    }

    /** Gives retained segments' pages back; false when the kernel kept them (they stay retained). */
    private boolean giveBack(final int start, final int count) {
        if (!range.release(range.segmentAddress(start), count * segmentBytes)) {
            return false;
        }
        for (int index = start; index < start + count; index++) {
            table.clear(index, SegmentTable.RETAINED);
        }
        retainedBytes -= count * segmentBytes;
        return true;
    }

    long committedBytes() {
        long committed = 0;
        for (int index = 0; index < table.segmentCount(); index++) {
            if (table.has(index, SegmentTable.COMMITTED)) {
                committed += segmentBytes;
            }
        }
        return committed;
    }
}
