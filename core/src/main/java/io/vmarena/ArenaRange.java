package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.MoveResult;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RangeMover;
import io.vmarena.vm.Reservations;
import io.vmarena.vm.VmException;

import java.util.List;
import java.util.function.LongConsumer;

/**
 * An arena's virtual memory: one reserved range, PROT_NONE until a segment is committed, moved
 * as a whole when it must grow and cannot grow in place.
 *
 * <pre>
 *  base                                                    base + reservedBytes
 *  [ seg 0 rw- | seg 1 rw- | seg 2 rw- | seg 3 --- | ... | seg N-1 --- ]
 *                committed on first use               reserved, no memory
 * </pre>
 *
 * A reservation is aligned to the PMD size (the PUD size from a PUD up; to the range's own size,
 * rounded up to a power of two, when it is smaller than a PMD), so every move of the arena is
 * between congruent addresses and the kernel moves whole page-table entries where it can: that is
 * what makes moving a gigabyte cost microseconds (see the move benchmark).
 *
 * <p>Every move goes through {@link RangeMover} and through the {@link MoveGate}, which keeps
 * readers of a shared arena out while memory moves. A move that fails part way is undone: the
 * pieces that left are moved back, so the arena's contents are never split between two places.
 * Not thread-safe: the arena serializes calls.
 */
final class ArenaRange {
    /** How much larger a range a growth that has to move reserves. */
    private static final long MOVE_GROWTH_FACTOR = 4;

    private final String arenaName;
    private final AddressSpace space;
    private final RangeMover mover;
    private final MoveGate gate;
    private final long segmentBytes;
    private final long pageSize;
    private final boolean inPlaceGrowth;
    private long base;
    private long reservedBytes;
    private long grows;
    private long moves;

    ArenaRange(final String arenaName, final AddressSpace space, final MoveGate gate, final long segmentBytes,
        final long reservedBytes, final boolean inPlaceGrowth) {
        this.arenaName = arenaName;
        this.space = space;
        this.mover = new RangeMover(space);
        this.gate = gate;
        this.segmentBytes = segmentBytes;
        this.pageSize = space.pageSize();
        this.inPlaceGrowth = inPlaceGrowth;
        this.base = reserveAligned(reservedBytes);
        this.reservedBytes = reservedBytes;
    }

    long base() {
        return base;
    }

    long reservedBytes() {
        return reservedBytes;
    }

    long grows() {
        return grows;
    }

    long moves() {
        return moves;
    }

    AddressSpace space() {
        return space;
    }

    long segmentAddress(final int segmentIndex) {
        return base + segmentIndex * segmentBytes;
    }

    /** Makes segments {@code [index, index + count)} readable and writable. */
    void commit(final int index, final int count) {
        space.protect(segmentAddress(index), count * segmentBytes, Protection.READ_WRITE);
    }

    /** Gives the pages of {@code [address, address + lengthBytes)} back; they read as zeros after. */
    void release(final long address, final long lengthBytes) {
        space.advise(address, lengthBytes, Advice.DONTNEED);
    }

    /**
     * Grows the reservation to hold at least {@code neededBytes}: in place where the addresses
     * after it are free, doubling; else by reserving a new range four times as large and moving
     * the whole arena there in one {@link RangeMover} call. A reservation costs no memory and a
     * move costs a system call and TLB flushes, so a growth that has to move leaves room for two
     * more doublings. Never past {@code maximumBytes}. Every address into the arena is stale
     * afterwards.
     *
     * @param bookkeeping what must change before readers of a shared arena see the new range
     *     (the segment table's growth), given the new size; runs with the gate closed
     * @throws VmException when no range can be reserved or the move fails (then undone); the
     *     arena is as it was
     */
    void grow(final long neededBytes, final long maximumBytes, final LongConsumer bookkeeping) {
        final Object event = ArenaEvents.beginGrow();
        final long oldReservedBytes = reservedBytes;
        final long doubledBytes = Math.max(neededBytes, Math.min(maximumBytes, 2 * reservedBytes));
        if (inPlaceGrowth && tryGrowInPlace(doubledBytes)) {
            // What stats() inside a read section may read changes with the gate closed, with the table.
            whileClosed(() -> {
                reservedBytes = doubledBytes;
                grows++;
                bookkeeping.accept(doubledBytes);
            });
            ArenaEvents.commitGrow(event, arenaName, oldReservedBytes, doubledBytes, true);
            return;
        }
        final long newReservedBytes = Math.max(neededBytes, Math.min(maximumBytes, MOVE_GROWTH_FACTOR * reservedBytes));
        final long newBase = reserveAligned(newReservedBytes);
        gate.close();
        try {
            move(base, reservedBytes, newBase, "grow");
            base = newBase;
            reservedBytes = newReservedBytes;
            grows++;
            bookkeeping.accept(newReservedBytes);
        } catch (final MoveFailure failure) {
            if (failure.undone) {
                space.unmap(newBase, newReservedBytes);
            }
            throw failure.error;
        } finally {
            gate.open();
        }
        ArenaEvents.commitGrow(event, arenaName, oldReservedBytes, newReservedBytes, false);
    }

    private void whileClosed(final Runnable bookkeeping) {
        gate.close();
        try {
            bookkeeping.run();
        } finally {
            gate.open();
        }
    }

    private boolean tryGrowInPlace(final long newReservedBytes) {
        final long end = base + reservedBytes;
        final long extraBytes = newReservedBytes - reservedBytes;
        final long placed;
        try {
            placed = space.map(end, extraBytes, Protection.NONE, MapFlags.FIXED_NOREPLACE | MapFlags.NORESERVE);
        } catch (final VmException occupied) {
            return false; // EEXIST: someone's mapping follows ours; ENOMEM: no room
        }
        if (placed != end) {
            space.unmap(placed, extraBytes); // a kernel that took FIXED_NOREPLACE as a hint
            return false;
        }
        return true; // the caller sets reservedBytes with the gate closed
    }

    /**
     * Moves segments {@code [fromIndex, fromIndex + count)} to {@code [toIndex, ...)} (which must
     * not overlap) and reserves the vacated range again, PROT_NONE.
     *
     * @param bookkeeping what must change before readers of a shared arena come back (the
     *     block's new place in the table); runs with the gate closed, after the move
     * @return whether the vacated range is reserved again; if not (the kernel refused, or
     *     another mapping took the hole), its segments must never be used again
     * @throws VmException when the move fails (then undone): nothing changed
     */
    boolean moveSegments(final int fromIndex, final int toIndex, final int count, final Runnable bookkeeping) {
        final long from = segmentAddress(fromIndex);
        final long lengthBytes = count * segmentBytes;
        gate.close();
        try {
            move(from, lengthBytes, segmentAddress(toIndex), "reallocate");
            bookkeeping.run();
        } catch (final MoveFailure failure) {
            throw failure.error;
        } finally {
            gate.open();
        }
        try {
            space.map(from, lengthBytes, Protection.NONE, MapFlags.FIXED | MapFlags.NORESERVE);
            return true;
        } catch (final VmException | IllegalArgumentException refused) {
            return false;
        }
    }

    /** Moves, with the gate closed by the caller; undoes a move that fails part way. */
    private void move(final long from, final long lengthBytes, final long to, final String reason)
        throws MoveFailure {
        final Object event = ArenaEvents.beginMove();
        final MoveResult result;
        try {
            result = mover.move(from, lengthBytes, to);
        } catch (final RuntimeException failure) {
            throw new MoveFailure(failure, undoPartialMove(from, lengthBytes, to, failure));
        }
        moves++;
        ArenaEvents.commitMove(event, arenaName, reason, lengthBytes, result);
    }

    /**
     * Moves back every piece of a failed move that left the source (the kernel does not roll a
     * multi-VMA or per-VMA move back: kernel-semantics MV8). The pieces that left are the holes
     * in the source range; each goes back from the same offset in the destination.
     */
    private boolean undoPartialMove(final long from, final long lengthBytes, final long to,
        final RuntimeException failure) {
        try {
            long cursor = from;
            for (final Mapping mapping : space.mappings(from, from + lengthBytes, MappingSource.AUTO)) {
                final long start = Math.max(mapping.startAddress(), from);
                if (start > cursor) {
                    mover.move(to + (cursor - from), start - cursor, cursor);
                }
                cursor = Math.max(cursor, Math.min(mapping.endAddress(), from + lengthBytes));
            }
            if (cursor < from + lengthBytes) {
                mover.move(to + (cursor - from), from + lengthBytes - cursor, cursor);
            }
            return true;
        } catch (final RuntimeException undo) {
            failure.addSuppressed(new IllegalStateException("arena '" + arenaName + "': the failed move could not "
                + "be undone; part of its memory is at " + Long.toHexString(to) + ", the rest at "
                + Long.toHexString(from), undo));
            return false;
        }
    }

    /** A move that failed, and whether everything that left the source went back. */
    private static final class MoveFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient RuntimeException error;
        final boolean undone;

        MoveFailure(final RuntimeException error, final boolean undone) {
            super(null, null, false, false);
            this.error = error;
            this.undone = undone;
        }
    }

    /** Unmaps the whole range. */
    void close() {
        gate.close();
        try {
            space.unmap(base, reservedBytes);
        } finally {
            gate.open();
        }
    }

    /** The VMAs of the range with their resident and locked pages (from smaps, or the simulator's). */
    List<Mapping> mappings() {
        return space.mappings(base, base + reservedBytes, MappingSource.SMAPS);
    }

    /**
     * A PROT_NONE reservation of {@code lengthBytes}, aligned (see the class comment), just below
     * a large free gap so that it can grow in place and nothing lands in the holes a move leaves.
     */
    private long reserveAligned(final long lengthBytes) {
        final long alignment = alignmentFor(lengthBytes);
        final long slackBytes = alignment - pageSize;
        final long raw = Reservations.belowLargeFreeGap(space, lengthBytes + slackBytes);
        final long aligned = (raw + alignment - 1) & -alignment;
        if (aligned > raw) {
            space.unmap(raw, aligned - raw);
        }
        final long tailBytes = raw + lengthBytes + slackBytes - (aligned + lengthBytes);
        if (tailBytes > 0) {
            space.unmap(aligned + lengthBytes, tailBytes);
        }
        return aligned;
    }

    private long alignmentFor(final long lengthBytes) {
        final long pmdBytes = space.capabilities().pmdBytes();
        final long pudBytes = space.capabilities().pudBytes();
        if (lengthBytes >= pudBytes) {
            return pudBytes;
        }
        final long ownSize = Long.highestOneBit(lengthBytes - 1) << 1;
        return Math.max(pageSize, Math.min(pmdBytes, ownSize));
    }
}
