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
 * hole (malloc does). Anything else is {@link Coverage#FOREIGN}. A lease ends when none of its
 * pages is mapped any more. Callers hold their own lock across check, call and bookkeeping.
 */
public final class OwnedRanges {
    /** How much of a range is known to be ours. */
    public enum Coverage { MAPPED, LEASED, FOREIGN }

    private final IntervalSet mapped = new IntervalSet();
    private final TreeMap<Long, Long> leaseEndByStart = new TreeMap<>();

    public Coverage coverage(final long start, final long end) {
        if (mapped.covers(start, end)) {
            return Coverage.MAPPED;
        }
        final Map.Entry<Long, Long> lease = leaseEndByStart.floorEntry(start);
        return lease != null && lease.getValue() >= end ? Coverage.LEASED : Coverage.FOREIGN;
    }

    /** Whether every VMA of {@code vmas} that meets {@code [start, end)} is ours there. */
    public boolean onlyOurs(final List<Mapping> vmas, final long start, final long end) {
        for (final Mapping vma : vmas) {
            if (!mapped.covers(Math.max(start, vma.startAddress()), Math.min(end, vma.endAddress()))) {
                return false;
            }
        }
        return true;
    }

    /** The kernel placed {@code [start, end)} for us: a new lease, all of it mapped. */
    public void placed(final long start, final long end) {
        leaseEndByStart.put(start, end);
        mapped.add(start, end);
    }

    /** We mapped {@code [start, end)} (inside a lease) at a fixed address. */
    public void mappedFixed(final long start, final long end) {
        mapped.add(start, end);
    }

    /** {@code [start, end)} is no longer mapped; leases with nothing left mapped end. */
    public void unmapped(final long start, final long end) {
        mapped.remove(start, end);
        endEmptyLeases(start, end);
    }

    /** Ends the leases overlapping {@code [start, end)} that have no page mapped any more. */
    private void endEmptyLeases(final long start, final long end) {
        // Only a lease that overlaps the range can have lost its last page.
        final Map.Entry<Long, Long> first = leaseEndByStart.floorEntry(start);
        final long from = first != null && first.getValue() > start ? first.getKey() : start;
        List<Long> ended = null;
        for (final Map.Entry<Long, Long> lease : leaseEndByStart.subMap(from, true, Math.max(from, end), true)
            .entrySet()) {
            if (!mapped.intersects(lease.getKey(), lease.getValue())) {
                if (ended == null) {
                    ended = new ArrayList<>();
                }
                ended.add(lease.getKey());
            }
        }
        if (ended != null) {
            ended.forEach(leaseEndByStart::remove);
        }
    }

    /**
     * An mremap returned {@code result}. Lengths are page-rounded. Conservative where the
     * kernel's effect depends on VMAs we do not track: it may forget pages that are ours (a
     * later call then looks), never claim pages that are not.
     */
    public void remapped(final long oldAddress, final long oldLength, final long newLength, final int flags,
        final long result) {
        if (result == oldAddress) {
            if (newLength > oldLength) {
                mapped.add(oldAddress + oldLength, oldAddress + newLength);
            } else {
                unmapped(oldAddress + newLength, oldAddress + oldLength);
            }
            return;
        }
        final long movedLength = Math.min(oldLength, newLength);
        // With FIXED, the destination under source holes keeps what it held (a multi-VMA move
        // unmaps only each piece's target, kernel-semantics MV3): nothing there is forgotten.
        if ((flags & RemapFlags.FIXED) == 0) {
            leaseEndByStart.put(result, result + newLength);
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
     * After a call that failed part way (a multi-VMA move stops at the first failing piece and
     * keeps the pieces before it moved, kernel-semantics MV8): the pages of {@code [start, end)}
     * are exactly the VMAs found there now, within our leases. Only used for ranges this
     * address space checked before the call, so whatever is there now was put there by it.
     */
    public void resync(final long start, final long end, final List<Mapping> vmasNow) {
        mapped.remove(start, end);
        for (final Mapping vma : vmasNow) {
            final long from = Math.max(start, vma.startAddress());
            final long to = Math.min(end, vma.endAddress());
            final Map.Entry<Long, Long> lease = leaseEndByStart.floorEntry(from);
            if (lease != null && lease.getValue() >= to) {
                mapped.add(from, to);
            }
        }
        endEmptyLeases(start, end);
    }

    /** Whether nothing is leased (every mapping handed out has been given back). */
    public boolean isEmpty() {
        return leaseEndByStart.isEmpty() && mapped.isEmpty();
    }
}
