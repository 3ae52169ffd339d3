package io.vmarena.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which memory an address space may change, so that no caller can unmap, move or protect the
 * JVM's own memory. Shared by the backends so that both refuse the same ranges.
 *
 * <pre>
 *  lease:   [...................................)   a range the kernel placed for us (map, remap)
 *  mapped:  [#####)      [########)   [####)        the pages we map now, exactly
 *  holes:          ......          ...              ours only while no foreign VMA is there
 * </pre>
 *
 * A range is {@link Coverage#MAPPED} when every page of it is mapped by us: no check is needed.
 * A range inside a lease that also covers holes is {@link Coverage#LEASED}: the backend must
 * look at the VMAs there first, because the kernel may have placed someone else's mapping in a
 * hole (malloc does). Anything else is {@link Coverage#FOREIGN}. A lease (here: a range the
 * kernel placed for us) ends when none of its pages is mapped any more.
 *
 * <p>Held ranges ({@link Lease}, {@link AddressSpace#hold}) are kept beside: a held range
 * counts as leased for as long as it is held, mapped or not, and only calls made for its lease
 * may change it ({@link #heldByOther}).
 *
 * <p>Each method is atomic (one short lock, this object's). That does not make a check and the
 * call it allowed atomic: callers also hold the call's range across check, call and
 * bookkeeping ({@link RangeGuard#enter}).
 */
public final class OwnedRanges {
    /** How much of a range is known to be ours. */
    public enum Coverage { MAPPED, LEASED, FOREIGN }

    private final IntervalSet mapped = new IntervalSet();
    /**
     * Leases by start. They never overlap (overlapping ones merge) but may touch: each ends on
     * its own, when none of its pages is mapped, so a freed mapping is not kept alive by the
     * mapping the kernel happened to place next to it.
     */
    private final TreeMap<Long, Long> leaseEndByStart = new TreeMap<>();
    /** Held ranges by start. They never overlap; touching ones of the same lease merge. */
    private final TreeMap<Long, Held> heldByStart = new TreeMap<>();

    /** A held range's end and its lease. */
    private static final class Held {
        final long end;
        final Lease lease;

        Held(final long end, final Lease lease) {
            this.end = end;
            this.lease = lease;
        }
    }

    public synchronized Coverage coverage(final long start, final long end) {
        if (mapped.covers(start, end)) {
            return Coverage.MAPPED;
        }
        return leased(start, end) ? Coverage.LEASED : Coverage.FOREIGN;
    }

    /** Whether a chain of touching leases and held ranges covers {@code [start, end)}. */
    private boolean leased(final long start, final long end) {
        long position = start;
        while (position < end) {
            final Map.Entry<Long, Long> lease = leaseEndByStart.floorEntry(position);
            final Map.Entry<Long, Held> held = heldByStart.floorEntry(position);
            final long leaseEnd = lease == null ? position : lease.getValue();
            final long heldEnd = held == null ? position : held.getValue().end;
            if (Math.max(leaseEnd, heldEnd) <= position) {
                return false;
            }
            position = Math.max(leaseEnd, heldEnd);
        }
        return true;
    }

    /**
     * The lease, other than {@code acting} (null for a plain call), that holds any page of
     * {@code [start, end)}; null when there is none.
     */
    public synchronized Lease heldByOther(final long start, final long end, final Lease acting) {
        if (heldByStart.isEmpty() || start >= end) {
            return null;
        }
        final Map.Entry<Long, Held> before = heldByStart.floorEntry(start);
        if (before != null && before.getValue().end > start && before.getValue().lease != acting) {
            return before.getValue().lease;
        }
        for (final Held held : heldByStart.subMap(start, false, end, false).values()) {
            if (held.lease != acting) {
                return held.lease;
            }
        }
        return null;
    }

    /** Whether {@code lease} holds every page of {@code [start, end)}. */
    public synchronized boolean holds(final Lease lease, final long start, final long end) {
        long position = start;
        while (position < end) {
            final Map.Entry<Long, Held> held = heldByStart.floorEntry(position);
            if (held == null || held.getValue().end <= position || held.getValue().lease != lease) {
                return false;
            }
            position = held.getValue().end;
        }
        return true;
    }

    /**
     * Holds {@code [start, end)} for {@code lease}, which the caller checked no other lease holds.
     * Merges with the lease's own ranges that overlap or touch it, and only with those: another
     * lease's range that merely touches it (an arena's, right beside a caller's page) stays its
     * holder's.
     */
    public synchronized void hold(final Lease lease, final long start, final long end) {
        long newStart = start;
        long newEnd = end;
        final Map.Entry<Long, Held> before = heldByStart.floorEntry(start);
        if (before != null && before.getValue().end >= start && before.getValue().lease == lease) {
            newStart = before.getKey();
            newEnd = Math.max(newEnd, before.getValue().end);
            heldByStart.remove(before.getKey());
        }
        for (final Map.Entry<Long, Held> inside : new ArrayList<>(heldByStart.subMap(start, true, end, true)
            .entrySet())) {
            if (inside.getValue().lease == lease) {
                newEnd = Math.max(newEnd, inside.getValue().end);
                heldByStart.remove(inside.getKey());
            }
        }
        heldByStart.put(newStart, new Held(newEnd, lease));
    }

    /**
     * Ends {@code lease}'s hold on {@code [start, end)}; placements with nothing mapped there
     * any more end too.
     */
    public synchronized void unhold(final Lease lease, final long start, final long end) {
        final Map.Entry<Long, Held> first = heldByStart.floorEntry(start);
        final long from = first != null && first.getValue().end > start ? first.getKey() : start;
        for (final Map.Entry<Long, Held> entry : new ArrayList<>(heldByStart.subMap(from, true, Math.max(from, end),
            false).entrySet())) {
            final Held held = entry.getValue();
            if (held.lease != lease) {
                continue;
            }
            heldByStart.remove(entry.getKey());
            if (entry.getKey() < start) {
                heldByStart.put(entry.getKey(), new Held(start, lease));
            }
            if (held.end > end) {
                heldByStart.put(end, new Held(held.end, lease));
            }
        }
        endEmptyLeases(start, end);
    }

    /** The holders of every range still held, each once, in address order of their first range. */
    public synchronized List<Lease> holders() {
        final List<Lease> holders = new ArrayList<>();
        for (final Held held : heldByStart.values()) {
            if (!holders.contains(held.lease)) {
                holders.add(held.lease);
            }
        }
        return holders;
    }

    /** Adds a lease, merging it with any it overlaps (the kernel placed memory in an old lease's hole). */
    private void lease(final long start, final long end) {
        long newStart = start;
        long newEnd = end;
        Map.Entry<Long, Long> overlap = leaseEndByStart.lowerEntry(newEnd);
        while (overlap != null && overlap.getValue() > newStart) {
            newStart = Math.min(newStart, overlap.getKey());
            newEnd = Math.max(newEnd, overlap.getValue());
            leaseEndByStart.remove(overlap.getKey());
            overlap = leaseEndByStart.lowerEntry(newEnd);
        }
        leaseEndByStart.put(newStart, newEnd);
    }

    /** Whether every VMA of {@code vmas} that meets {@code [start, end)} is ours there. */
    public synchronized boolean onlyOurs(final List<Mapping> vmas, final long start, final long end) {
        for (final Mapping vma : vmas) {
            if (!mapped.covers(Math.max(start, vma.startAddress()), Math.min(end, vma.endAddress()))) {
                return false;
            }
        }
        return true;
    }

    /** The kernel placed {@code [start, end)} for us: a new lease, all of it mapped. */
    public synchronized void placed(final long start, final long end) {
        lease(start, end);
        mapped.add(start, end);
    }

    /** We mapped {@code [start, end)} (inside a lease) at a fixed address. */
    public synchronized void mappedFixed(final long start, final long end) {
        mapped.add(start, end);
    }

    /** {@code [start, end)} is no longer mapped; leases with nothing left mapped end. */
    public synchronized void unmapped(final long start, final long end) {
        mapped.remove(start, end);
        endEmptyLeases(start, end);
    }

    /** Ends the leases overlapping {@code [start, end)} that have no page mapped any more. */
    private void endEmptyLeases(final long start, final long end) {
        final Map.Entry<Long, Long> first = leaseEndByStart.floorEntry(start);
        final long from = first != null && first.getValue() > start ? first.getKey() : start;
        final List<Long> ended = new ArrayList<>(0);
        for (final Map.Entry<Long, Long> lease : leaseEndByStart.subMap(from, true, Math.max(from, end), false)
            .entrySet()) {
            if (!mapped.intersects(lease.getKey(), lease.getValue())) {
                ended.add(lease.getKey());
            }
        }
        ended.forEach(leaseEndByStart::remove);
    }

    /**
     * An mremap returned {@code result}. Lengths are page-rounded. Conservative where the
     * kernel's effect depends on VMAs we do not track: it may forget pages that are ours (a
     * later call then looks), never claim pages that are not.
     */
    public synchronized void remapped(final long oldAddress, final long oldLength, final long newLength, final int flags,
        final long result) {
        if (result == oldAddress) {
            if (newLength > oldLength) {
                // Grown in place into free space: the new pages are ours, and part of the lease
                // they grew from.
                mapped.add(oldAddress + oldLength, oldAddress + newLength);
                final Map.Entry<Long, Long> grown = leaseEndByStart.floorEntry(oldAddress + oldLength - 1);
                lease(grown != null && grown.getValue() >= oldAddress + oldLength ? grown.getKey()
                    : oldAddress + oldLength, oldAddress + newLength);
            } else {
                unmapped(oldAddress + newLength, oldAddress + oldLength);
            }
            return;
        }
        final long movedLength = Math.min(oldLength, newLength);
        // With FIXED, the destination under source holes keeps what it held (a multi-VMA move
        // unmaps only each piece's target, kernel-semantics MV3): nothing there is forgotten.
        if ((flags & RemapFlags.FIXED) == 0) {
            lease(result, result + newLength);
        }
        // A move into reserved memory (the usual case) lands on pages already ours.
        if (!mapped.covers(result, result + newLength)) {
            for (final long[] piece : mapped.intersection(oldAddress, oldAddress + movedLength)) {
                mapped.add(piece[0] - oldAddress + result, piece[1] - oldAddress + result);
            }
            if (newLength > oldLength) {
                mapped.add(result + oldLength, result + newLength);
            }
        }
        if ((flags & RemapFlags.DONTUNMAP) == 0) {
            unmapped(oldAddress, oldAddress + oldLength);
        }
    }

    /**
     * After a FIXED mremap that failed part way (a multi-VMA move stops at the first failing
     * piece and keeps the pieces before it moved, kernel-semantics MV8): source pages of ours
     * that are gone now were moved, so their images at the destination are ours; nothing else
     * found there is trusted, since another thread may have mapped into a hole meanwhile.
     *
     * @param sourceNow the VMAs in the source range now
     */
    public synchronized void moveFailed(final long oldAddress, final long length, final long newAddress,
        final List<Mapping> sourceNow) {
        final IntervalSet stillThere = new IntervalSet();
        for (final Mapping vma : sourceNow) {
            stillThere.add(Math.max(oldAddress, vma.startAddress()), Math.min(oldAddress + length, vma.endAddress()));
        }
        for (final long[] ours : mapped.intersection(oldAddress, oldAddress + length)) {
            long position = ours[0];
            for (final long[] kept : stillThere.intersection(ours[0], ours[1])) {
                movedAway(position, kept[0], oldAddress, newAddress);
                position = kept[1];
            }
            movedAway(position, ours[1], oldAddress, newAddress);
        }
        endEmptyLeases(oldAddress, oldAddress + length);
    }

    private void movedAway(final long from, final long to, final long oldAddress, final long newAddress) {
        if (from < to) {
            mapped.remove(from, to);
            mapped.add(from - oldAddress + newAddress, to - oldAddress + newAddress);
        }
    }

    /** Whether nothing is leased or held (every mapping handed out has been given back). */
    public synchronized boolean isEmpty() {
        return leaseEndByStart.isEmpty() && mapped.isEmpty() && heldByStart.isEmpty();
    }
}
