package io.vmarena.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of addresses as disjoint, non-adjacent half-open intervals {@code [start, end)}.
 * Addresses are user-space addresses, below 2^63, so signed comparison is exact; callers
 * refuse anything beyond before they get here.
 */
final class IntervalSet {
    private final TreeMap<Long, Long> endByStart = new TreeMap<>();

    void add(final long start, final long end) {
        if (start >= end) {
            return;
        }
        long newStart = start;
        long newEnd = end;
        Map.Entry<Long, Long> touching = endByStart.floorEntry(newEnd);
        while (touching != null && touching.getValue() >= newStart) {
            newStart = Math.min(newStart, touching.getKey());
            newEnd = Math.max(newEnd, touching.getValue());
            endByStart.remove(touching.getKey());
            touching = endByStart.floorEntry(newEnd);
        }
        endByStart.put(newStart, newEnd);
    }

    void remove(final long start, final long end) {
        if (start >= end) {
            return;
        }
        final Map.Entry<Long, Long> owner = endByStart.floorEntry(start);
        if (owner != null && owner.getValue() >= end) {
            // The common case, a range inside one interval: split it without building a list.
            endByStart.remove(owner.getKey());
            if (owner.getKey() < start) {
                endByStart.put(owner.getKey(), start);
            }
            if (owner.getValue() > end) {
                endByStart.put(end, owner.getValue());
            }
            return;
        }
        for (final long[] piece : intersection(start, end)) {
            final Map.Entry<Long, Long> holder = endByStart.floorEntry(piece[0]);
            endByStart.remove(holder.getKey());
            if (holder.getKey() < piece[0]) {
                endByStart.put(holder.getKey(), piece[0]);
            }
            if (holder.getValue() > piece[1]) {
                endByStart.put(piece[1], holder.getValue());
            }
        }
    }

    boolean covers(final long start, final long end) {
        if (start >= end) {
            return true;
        }
        final Map.Entry<Long, Long> owner = endByStart.floorEntry(start);
        return owner != null && owner.getValue() >= end;
    }

    /** Allocation-free: called on every unmap and move. */
    boolean intersects(final long start, final long end) {
        if (start >= end) {
            return false;
        }
        final Map.Entry<Long, Long> before = endByStart.floorEntry(start);
        if (before != null && before.getValue() > start) {
            return true;
        }
        final Long next = endByStart.higherKey(start);
        return next != null && next < end;
    }

    /** The parts of {@code [start, end)} in the set, in order, as {start, end} pairs. */
    List<long[]> intersection(final long start, final long end) {
        final List<long[]> pieces = new ArrayList<>();
        if (start >= end) {
            return pieces;
        }
        final Map.Entry<Long, Long> before = endByStart.floorEntry(start);
        if (before != null && before.getValue() > start) {
            pieces.add(new long[] {start, Math.min(end, before.getValue())});
        }
        for (final Map.Entry<Long, Long> entry : endByStart.subMap(start, false, end, false).entrySet()) {
            pieces.add(new long[] {entry.getKey(), Math.min(end, entry.getValue())});
        }
        return pieces;
    }

    boolean isEmpty() {
        return endByStart.isEmpty();
    }
}
