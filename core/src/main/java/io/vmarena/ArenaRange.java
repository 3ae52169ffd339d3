package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Errno;
import io.vmarena.vm.Lease;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.MoveResult;
import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RangeMover;
import io.vmarena.vm.Reservations;
import io.vmarena.vm.VmException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

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
 * If the undo fails too, the range is <em>failed</em>: it tells the arena (which refuses every
 * later call with what happened) and keeps what it must release on close.
 *
 * <p>Every range it reserves is held under the arena's {@link Lease} for as long as the arena
 * uses it, and every call goes through the address space acting for that lease: no one else can
 * change the arena's memory through the address space, and the range stays the address space's
 * own while moves leave it unmapped in parts. Stretches that another mapping took (a vacated
 * hole that could not be reserved again) are never touched: close and moves are given the
 * stretches the arena owns. Not thread-safe: the arena serializes calls.
 *
 * <p>Longer than most classes here: reservation, growth, moves with their undo and close all
 * change the same state (base, size, lease, what a failure left behind) under the same gate.
 */
final class ArenaRange {
    /** How much larger a range a growth that has to move reserves. */
    private static final long MOVE_GROWTH_FACTOR = 4;

    private final String arenaName;
    private final Lease lease;
    /** The address space acting for {@link #lease}: every call of the arena goes through it. */
    private final AddressSpace space;
    /** Told, once, what happened when a failed move could not be undone or close could not unmap. */
    private final Consumer<String> onFailure;
    /** Ranges besides the arena's own that a failed move left holding its pages, to unmap on close. */
    private final List<long[]> strandedRanges = new ArrayList<>(0);
    /** What close could not unmap yet, as {start, length} pairs; null until close runs. */
    private volatile List<long[]> leftMapped; // read by close() of a shared arena before it takes the lock
    private final RangeMover mover;
    private final MoveGate gate;
    private final long segmentBytes;
    private final long pageSize;
    private final boolean inPlaceGrowth;
    private final MoveStrategy strategy;
    /** The huge-page advice every commit carries (see {@link HugePages}). */
    private final HugePageAdvice hugePageAdvice;
    private long base;
    private long reservedBytes;
    /**
     * {@link #base} and {@link #reservedBytes} as one immutable pair, published on each change
     * (growth, move, shrink) for a thread racing the owner: two plain reads across a move could
     * pair the old base with the new size, a range overlapping other mappings. The fields stay
     * for the arena's own thread (address() reads base on the fast path).
     */
    private volatile Extent extent;
    private long grows;
    private long moves;
    /**
     * Odd while a growth moves the arena to a new range, bumped before and after: a thread that
     * reads a confined arena's stats without stopping its owner reads again when this changed
     * during its read, which would otherwise mix the old place and the new.
     */
    private volatile long relocations;
    /** The last move's result, for compaction's accounting. */
    private MoveResult lastMove;
    /** How the place at an address is locked, or null when it is not: what a copying move must redo. */
    private LongFunction<LockMode> lockModes = address -> null;
    private PopulateListener populated = (index, count) -> { };

    ArenaRange(final String arenaName, final AddressSpace space, final MoveGate gate, final long segmentBytes,
        final long reservedBytes, final boolean inPlaceGrowth, final Consumer<String> onFailure) {
        this(arenaName, space, gate, segmentBytes, reservedBytes, inPlaceGrowth, MoveStrategy.AUTO, onFailure);
    }

    ArenaRange(final String arenaName, final AddressSpace space, final MoveGate gate, final long segmentBytes,
        final long reservedBytes, final boolean inPlaceGrowth, final MoveStrategy strategy,
        final Consumer<String> onFailure) {
        this(arenaName, space, gate, segmentBytes, reservedBytes, inPlaceGrowth, strategy, onFailure,
            new HugePageAdvice(arenaName, HugePages.SYSTEM_DEFAULT));
    }

    ArenaRange(final String arenaName, final AddressSpace space, final MoveGate gate, final long segmentBytes,
        final long reservedBytes, final boolean inPlaceGrowth, final MoveStrategy strategy,
        final Consumer<String> onFailure, final HugePageAdvice hugePageAdvice) {
        this.hugePageAdvice = hugePageAdvice;
        this.strategy = strategy;
        this.arenaName = arenaName;
        this.lease = new Lease("arena '" + arenaName + "'");
        this.space = space.actingFor(lease);
        this.onFailure = onFailure;
        this.mover = new RangeMover(this.space);
        this.gate = gate;
        this.segmentBytes = segmentBytes;
        this.pageSize = space.pageSize();
        this.inPlaceGrowth = inPlaceGrowth;
        this.base = reserveAligned(reservedBytes);
        this.reservedBytes = reservedBytes;
        this.extent = new Extent(base, reservedBytes);
    }

    /** Where the arena's range is and how long, as one pair read at one moment. */
    record Extent(long baseAddress, long reservedBytes) {
    }

    /** The range as one pair: for a reader that may race the owner, one read, never torn. */
    Extent extent() {
        return extent;
    }

    private void setRange(final long newBase, final long newReservedBytes) {
        base = newBase;
        reservedBytes = newReservedBytes;
        extent = new Extent(newBase, newReservedBytes);
    }

    long base() {
        return base;
    }

    long reservedBytes() {
        return reservedBytes;
    }

    /** See {@link #relocations}: odd while a growth moves the arena. */
    long relocations() {
        return relocations;
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

    /**
     * Makes segments {@code [index, index + count)} readable and writable, with the arena's
     * huge-page advice (the one place memory becomes usable, so every committed VMA carries it).
     *
     * @throws VmException when the system refuses; the segments are PROT_NONE as before
     */
    void commit(final int index, final int count) {
        final long address = segmentAddress(index);
        space.protect(address, count * segmentBytes, Protection.READ_WRITE);
        hugePageAdvice.afterCommit(space, address, count * segmentBytes);
    }

    /** The arena's huge-page policy as it is applied now (SYSTEM_DEFAULT once the kernel refused it). */
    HugePages hugePages() {
        return hugePageAdvice.inEffect();
    }

    /** The span of one huge page (PMD) of the address space: what trim keeps whole. */
    long pmdBytes() {
        return space.capabilities().pmdBytes();
    }

    /**
     * Locks segments {@code [index, index + count)} in memory ({@code mlock2}); a plain mlock
     * ({@link LockMode#POPULATE}) faults every page in, which the arena's account of residency
     * hears of (see {@link #onPopulated}), whether or not the lock succeeded part way.
     */
    void lock(final int index, final int count, final LockMode mode) {
        try {
            space.lock(segmentAddress(index), count * segmentBytes, mode);
        } finally {
            if (mode == LockMode.POPULATE) {
                populated.populated(index, count);
            }
        }
    }

    /** Unlocks segments {@code [index, index + count)} ({@code munlock}). */
    void unlock(final int index, final int count) {
        space.unlock(segmentAddress(index), count * segmentBytes);
    }

    /**
     * Advises the kernel on segments {@code [index, index + count)} ({@code madvise});
     * {@link Advice#POPULATE_WRITE} faults every page in, which the arena's account of residency
     * hears of (see {@link #onPopulated}), also when it stopped part way; not when the kernel
     * lacks it (EINVAL: nothing was faulted in).
     */
    void advise(final int index, final int count, final Advice advice) {
        try {
            space.advise(segmentAddress(index), count * segmentBytes, advice);
        } catch (final VmException refused) {
            if (advice == Advice.POPULATE_WRITE && refused.errno() != Errno.EINVAL) {
                populated.populated(index, count);
            }
            throw refused;
        }
        if (advice == Advice.POPULATE_WRITE) {
            populated.populated(index, count);
        }
    }

    /** Who hears that segments {@code [index, index + count)} may be wholly in memory now. */
    interface PopulateListener {
        void populated(int index, int count);
    }

    /** Tells {@code listener} of every populate and plain mlock: the arena's account of residency. */
    void onPopulated(final PopulateListener listener) {
        populated = listener;
    }

    /** The range's resident bytes (mincore on Linux: cheap). */
    long residentBytes() {
        return space.residentBytes(base, base + reservedBytes);
    }

    /** Tells a copying move how each place is locked (see {@link #copyLayout}). */
    void lockModes(final LongFunction<LockMode> value) {
        lockModes = value;
    }

    /**
     * Gives the pages of {@code [address, address + lengthBytes)} back; they read as zeros after.
     * The kernel may refuse (EINVAL: the process called mlockall(MCL_FUTURE), so every VMA is
     * locked): the pages then stay resident, with their contents, and nothing else changes.
     *
     * @return whether they were given back
     */
    boolean release(final long address, final long lengthBytes) {
        try {
            space.advise(address, lengthBytes, Advice.DONTNEED);
            return true;
        } catch (final VmException kept) {
            return false;
        }
    }

    /**
     * Grows the reservation to hold at least {@code neededBytes}: in place where the addresses
     * after it are free, doubling; else by reserving a new range four times as large (or, when
     * the system refuses that, half as large, down to what is needed) and moving the arena's
     * owned stretches there, one {@link RangeMover} call each. A reservation costs no memory and
     * a move costs a system call and TLB flushes, so a growth that has to move leaves room for
     * two more doublings. Never past {@code maximumBytes}. Every address into the arena is stale
     * afterwards.
     *
     * @param bookkeeping what must change before readers of a shared arena see the new range
     *     (the segment table's growth), given the new size; runs with the gate closed
     * @param ownedStretches the arena's own parts of the range, {offset, length} pairs in bytes
     *     in address order: a growth that moves moves these and nothing else
     * @return whether the arena moved (the stretches it did not own are left behind)
     * @throws VmException when no range can be reserved or the move fails (then undone); the
     *     arena is as it was
     * @throws IllegalStateException when a failed move could not be undone: the arena has failed
     */
    boolean grow(final long neededBytes, final long maximumBytes, final LongConsumer bookkeeping,
        final List<long[]> ownedStretches) {
        final Object event = ArenaEvents.beginGrow();
        final long oldReservedBytes = reservedBytes;
        final long doubledBytes = Math.max(neededBytes, Math.min(maximumBytes, 2 * reservedBytes));
        if (inPlaceGrowth && tryGrowInPlace(doubledBytes)) {
            // What stats() inside a read section may read changes with the gate closed, with the table.
            whileClosed(() -> {
                setRange(base, doubledBytes);
                grows++;
                bookkeeping.accept(doubledBytes);
            });
            ArenaEvents.commitGrow(event, arenaName, oldReservedBytes, doubledBytes, true);
            return false;
        }
        final long oldBase = base;
        final long[] reservation = reserveForMove(neededBytes,
            Math.max(neededBytes, Math.min(maximumBytes, MOVE_GROWTH_FACTOR * reservedBytes)));
        final long newBase = reservation[0];
        final long newReservedBytes = reservation[1];
        relocations = relocations + 1; // odd: moving; only the thread that may change the arena writes it
        gate.close();
        try {
            moveStretches(ownedStretches, oldBase, newBase);
            setRange(newBase, newReservedBytes);
            grows++;
            bookkeeping.accept(newReservedBytes);
        } catch (final MoveFailure failure) {
            if (!failure.undone) {
                strandedRanges.add(new long[] {newBase, newReservedBytes});
                throw failed("growing from " + oldReservedBytes + " to " + newReservedBytes + " bytes", oldBase, newBase,
                    oldReservedBytes, failure.error);
            }
            try {
                discard(newBase, newReservedBytes);
            } catch (final VmException | IllegalArgumentException notGivenBack) {
                // Still mapped and held: close unmaps it. The growth's own failure is what to report.
                strandedRanges.add(new long[] {newBase, newReservedBytes});
                failure.error.addSuppressed(notGivenBack);
            }
            throw failure.error;
        } finally {
            gate.open();
            relocations = relocations + 1; // even: the arena is in one place again
        }
        space.unhold(lease, oldBase, oldReservedBytes);
        ArenaEvents.commitGrow(event, arenaName, oldReservedBytes, newReservedBytes, false);
        return true;
    }

    /**
     * A held reservation of {@code preferredBytes}, or, when the system refuses that (no room,
     * RLIMIT_AS), of half as much, and so on down to {@code neededBytes}: {base, length}.
     *
     * @throws VmException when not even {@code neededBytes} can be reserved
     */
    private long[] reserveForMove(final long neededBytes, final long preferredBytes) {
        long lengthBytes = preferredBytes;
        while (true) {
            try {
                return new long[] {reserveAligned(lengthBytes), lengthBytes};
            } catch (final VmException refused) {
                if (lengthBytes <= neededBytes) {
                    throw refused;
                }
                lengthBytes = Math.max(neededBytes, (lengthBytes / 2 + segmentBytes - 1) & -segmentBytes);
            }
        }
    }

    /** Moves each stretch from {@code fromBase} to the same offset from {@code toBase}; undoes all on failure. */
    private void moveStretches(final List<long[]> stretches, final long fromBase, final long toBase)
        throws MoveFailure {
        for (int index = 0; index < stretches.size(); index++) {
            final long offset = stretches.get(index)[0];
            try {
                move(fromBase + offset, stretches.get(index)[1], toBase + offset, "grow");
            } catch (final MoveFailure failure) {
                boolean undone = failure.undone;
                for (int back = index - 1; back >= 0 && undone; back--) {
                    final long backOffset = stretches.get(back)[0];
                    try {
                        mover.move(toBase + backOffset, stretches.get(back)[1], fromBase + backOffset);
                    } catch (final RuntimeException undo) {
                        failure.error.addSuppressed(undo);
                        undone = false;
                    }
                }
                throw new MoveFailure(failure.error, undone);
            }
        }
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
        } catch (final VmException | IllegalArgumentException occupied) {
            // EEXIST: someone's mapping follows ours; ENOMEM: no room; refused: another lease
            // holds the hole after ours. Either way the arena moves instead.
            return false;
        }
        if (placed != end) {
            space.unmap(placed, extraBytes); // a kernel that took FIXED_NOREPLACE as a hint
            return false;
        }
        try {
            holdOrGiveBack(end, extraBytes);
        } catch (final IllegalArgumentException heldElsewhere) {
            return false;
        }
        return true; // the caller sets reservedBytes with the gate closed
    }

    /**
     * Moves segments {@code [fromIndex, fromIndex + count)} to {@code [toIndex, ...)} (which must
     * not overlap) and reserves the vacated range again, PROT_NONE, with MAP_FIXED_NOREPLACE: if
     * another mapping took the hole meanwhile, the kernel refuses instead of replacing it.
     *
     * @param bookkeeping what must change before readers of a shared arena come back (the
     *     block's new place in the table); runs with the gate closed, after the move
     * @return whether the vacated range is reserved again; if not (the kernel refused, or
     *     another mapping took the hole), its segments must never be used again
     * @throws VmException when the move fails (then undone): nothing changed
     * @throws IllegalStateException when a failed move could not be undone: the arena has failed
     */
    boolean moveSegments(final int fromIndex, final int toIndex, final int count, final Runnable bookkeeping) {
        final long from = segmentAddress(fromIndex);
        final long lengthBytes = count * segmentBytes;
        gate.close();
        try {
            move(from, lengthBytes, segmentAddress(toIndex), "reallocate");
            bookkeeping.run();
        } catch (final MoveFailure failure) {
            if (!failure.undone) {
                throw failed("moving a block of " + lengthBytes + " bytes (reallocate)", from, segmentAddress(toIndex),
                    lengthBytes, failure.error);
            }
            throw failure.error;
        } finally {
            gate.open();
        }
        return reserveAgain(from, lengthBytes);
    }

    /** Maps PROT_NONE over a hole the arena left, unless anything is there now. */
    private boolean reserveAgain(final long address, final long lengthBytes) {
        return reserveAgainOrWhy(address, lengthBytes) == null;
    }

    /**
     * {@link #reserveAgain}, saying why not: null when reserved, else the refusal (EEXIST, or
     * another lease's hold, when someone's mapping is in the hole now; ENOMEM and the like when
     * the system is short of something and the hole is still the arena's).
     */
    private RuntimeException reserveAgainOrWhy(final long address, final long lengthBytes) {
        final long placed;
        try {
            placed = space.map(address, lengthBytes, Protection.NONE, MapFlags.FIXED_NOREPLACE | MapFlags.NORESERVE);
        } catch (final VmException | IllegalArgumentException refused) {
            return refused;
        }
        if (placed != address) {
            space.unmap(placed, lengthBytes); // a kernel that took FIXED_NOREPLACE as a hint (before 4.17)
            return new VmException("mmap", hex(address), Errno.EEXIST, "the kernel placed the reservation elsewhere");
        }
        return null;
    }

    /** Whether a refused reservation means someone else's mapping is in the hole (not a shortage of ours). */
    private static boolean intrusion(final RuntimeException refused) {
        return refused instanceof IllegalArgumentException
            || refused instanceof VmException && ((VmException)refused).errno() == Errno.EEXIST;
    }

    /**
     * Moves the pieces of a slide that had moved (those before offset {@code moved}, each
     * {@code pieceCount} places) back, highest first: each one's source is free again once the
     * one after it is back. Returns whether all went back; a refusal is added to {@code error}.
     */
    private boolean movePiecesBack(final int fromPlace, final int toPlace, final int pieceCount, final int moved,
        final RuntimeException error) {
        for (int back = moved - pieceCount; back >= 0; back -= pieceCount) {
            try {
                mover.move(segmentAddress(toPlace + back), pieceCount * segmentBytes, segmentAddress(fromPlace + back),
                    strategy, null);
            } catch (final RuntimeException undo) {
                error.addSuppressed(undo);
                return false;
            }
        }
        return true;
    }

    /** The strategy every move of the arena uses. */
    MoveStrategy strategy() {
        return strategy;
    }

    /** The move gate, for a compaction slice, which keeps it closed for the slice's whole length. */
    MoveGate gate() {
        return gate;
    }

    /**
     * Slides places {@code [fromPlace, fromPlace + count)} down to {@code toPlace}, with the gate
     * closed by the caller. Where source and destination overlap (mremap refuses that), it moves
     * in pieces of at most the distance, lowest first, each into the space the one before left;
     * otherwise in one call (per VMA on kernels before 6.17). Then it reserves the part of the
     * source nothing moved into again, PROT_NONE, with MAP_FIXED_NOREPLACE.
     *
     * @return what the moves did: {system calls, VMAs moved, bytes copied, 1 if the hole the last
     *     piece left ({@link #lastPieceStart} to the run's end) is reserved again else 0 (its
     *     places must never be used again)}
     * @throws VmException when a move fails (then undone, pieces before it included): nothing
     *     changed
     * @throws IllegalStateException when the undo failed too: the arena has failed
     */
    long[] slide(final int fromPlace, final int toPlace, final int count) {
        final int distance = fromPlace - toPlace;
        if (distance <= 0 || count <= 0) {
            throw new IllegalArgumentException("a slide moves places down: from " + fromPlace + " to " + toPlace);
        }
        final int pieceCount = Math.min(count, distance);
        final long[] totals = new long[4];
        int moved = 0;
        while (moved < count) {
            final int pieceLength = Math.min(pieceCount, count - moved);
            final long from = segmentAddress(fromPlace + moved);
            final long to = segmentAddress(toPlace + moved);
            try {
                move(from, pieceLength * segmentBytes, to, "compact");
            } catch (final MoveFailure failure) {
                if (!failure.undone || !movePiecesBack(fromPlace, toPlace, pieceCount, moved, failure.error)) {
                    throw failed("compacting " + count * segmentBytes + " bytes", segmentAddress(fromPlace),
                        segmentAddress(toPlace), count * segmentBytes, failure.error);
                }
                throw failure.error;
            }
            totals[0] += lastMove.systemCalls();
            totals[1] += lastMove.vmasMoved();
            totals[2] += lastMove.bytesCopied();
            moved += pieceLength;
            // The piece's source is the next piece's destination: reserved again at once, so no
            // one else's mmap can land in it between the two calls (the next mremap replaces it).
            if (moved < count) {
                final RuntimeException refused = reserveAgainOrWhy(from, pieceLength * segmentBytes);
                if (refused != null && !intrusion(refused) && movePiecesBack(fromPlace, toPlace, pieceCount, moved,
                    refused)) {
                    throw refused; // ENOMEM (vm.max_map_count, say): every piece went back
                }
                if (refused != null) {
                    throw failed("compacting " + count * segmentBytes + " bytes", segmentAddress(fromPlace),
                        segmentAddress(toPlace), count * segmentBytes, intrusion(refused) ? new VmException("mmap",
                        hex(from), Errno.EEXIST, "another mapping took the place a piece of the run left before the "
                        + "next piece could fill it") : refused);
                }
            }
        }
        // Only the last piece's source is a hole now: the vacated places below it are the earlier
        // piece's source, reserved again above and not all filled when the last piece is shorter.
        final int holeStart = lastPieceStart(fromPlace, toPlace, count);
        totals[3] = reserveAgain(segmentAddress(holeStart), (fromPlace + count - holeStart) * segmentBytes) ? 1 : 0;
        return totals;
    }

    /**
     * The first place of the last piece {@link #slide} moves: the hole the slide leaves (the
     * vacated places below it, if any, stay reserved). A run not a multiple of the distance ends
     * with a shorter piece.
     */
    static int lastPieceStart(final int fromPlace, final int toPlace, final int count) {
        final int pieceCount = Math.min(count, fromPlace - toPlace);
        return fromPlace + count - ((count - 1) % pieceCount + 1);
    }

    /**
     * After a refused slide was undone: mremap unmaps its destination before it moves, so the
     * free places a run was moving into may be holes now. Reserves every hole among places
     * {@code [place, place + count)} again, PROT_NONE, with MAP_FIXED_NOREPLACE.
     *
     * @return per place: 1 reserved again (no memory behind it now), 0 mapped as it was, -1 a
     *     hole that could not be reserved again (its place must never be used again)
     */
    int[] reserveHoles(final int place, final int count) {
        final int[] states = new int[Math.max(0, count)];
        final long start = segmentAddress(place);
        final long end = segmentAddress(place + count);
        final List<Mapping> mappings = count <= 0 ? List.of() : space.mappings(start, end, MappingSource.AUTO);
        long cursor = start;
        for (int index = 0; index <= mappings.size() && count > 0; index++) {
            final long holeEnd = index < mappings.size() ? Math.max(cursor, mappings.get(index).startAddress()) : end;
            if (holeEnd > cursor) {
                final int state = reserveAgain(cursor, holeEnd - cursor) ? 1 : -1;
                for (long address = cursor; address < holeEnd; address += segmentBytes) {
                    states[(int)((address - start) / segmentBytes)] = state;
                }
            }
            if (index < mappings.size()) {
                cursor = Math.max(cursor, Math.min(end, mappings.get(index).endAddress()));
            }
        }
        return states;
    }

    /**
     * Replaces {@code [place, place + count)} with a fresh PROT_NONE reservation (MAP_FIXED over
     * the arena's own memory, so nothing else can take it in between): the pages go back to the
     * system, and the fresh VMA merges with its PROT_NONE neighbours.
     *
     * @throws VmException when the system refuses (the memory is as it was)
     */
    void decommit(final int place, final int count) {
        space.map(segmentAddress(place), count * segmentBytes, Protection.NONE, MapFlags.FIXED | MapFlags.NORESERVE);
    }

    /**
     * Gives the range's tail back: unmaps {@code [base + newReservedBytes, end)} and ends the
     * lease on it. The caller holds the gate closed and has checked the tail holds nothing of
     * the arena's and no one else's mapping.
     *
     * @throws VmException when the system refuses (nothing changed)
     */
    void shrink(final long newReservedBytes) {
        final long tailBytes = reservedBytes - newReservedBytes;
        if (tailBytes <= 0) {
            return;
        }
        space.unmap(base + newReservedBytes, tailBytes);
        space.unhold(lease, base + newReservedBytes, tailBytes);
        setRange(base, newReservedBytes);
    }

    /**
     * Enters the failed state: tells the arena what happened and where the pieces are, and
     * returns the exception to throw. Claims nothing about the contents: they are split.
     */
    private IllegalStateException failed(final String what, final long from, final long to, final long lengthBytes,
        final RuntimeException error) {
        final String message = "arena '" + arenaName + "' has failed: " + what + " from " + hex(from) + " to "
            + hex(to) + " failed (" + error.getMessage() + ") and moving the pieces back failed too, so its memory is "
            + "split: of [" + hex(from) + ", +" + lengthBytes + ") " + describe(from, lengthBytes) + " are still there, "
            + "of [" + hex(to) + ", +" + lengthBytes + ") " + describe(to, lengthBytes) + " hold moved pages; every "
            + "call is refused from now on, and close() unmaps what the arena owns";
        onFailure.accept(message);
        return new IllegalStateException(message, error);
    }

    private String describe(final long address, final long lengthBytes) {
        try {
            final List<String> pieces = new ArrayList<>();
            for (final Mapping mapping : space.mappings(address, address + lengthBytes, MappingSource.AUTO)) {
                pieces.add("[" + hex(Math.max(address, mapping.startAddress())) + ", "
                    + hex(Math.min(address + lengthBytes, mapping.endAddress())) + ") " + mapping.protection().symbol());
            }
            return pieces.isEmpty() ? "no mappings" : "the mappings " + String.join(" ", pieces);
        } catch (final RuntimeException unreadable) {
            return "mappings that could not be read (" + unreadable.getMessage() + ")";
        }
    }

    private static String hex(final long address) {
        return "0x" + Long.toHexString(address);
    }

    /** Moves, with the gate closed by the caller; undoes a move that fails part way. */
    private void move(final long from, final long lengthBytes, final long to, final String reason)
        throws MoveFailure {
        final Object event = ArenaEvents.beginMove();
        final MoveResult result;
        try {
            result = mover.move(from, lengthBytes, to, strategy, strategy == MoveStrategy.COPY
                ? copyLayout(from, lengthBytes) : null);
        } catch (final RuntimeException failure) {
            throw new MoveFailure(failure, undoPartialMove(from, lengthBytes, to, failure));
        }
        moves++;
        lastMove = result;
        ArenaEvents.commitMove(event, arenaName, reason, lengthBytes, result);
    }

    /**
     * The source's VMAs with what a copy needs to know, from what the arena knows: its memory is
     * MAP_NORESERVE, locked where the arena's pinning locked it (a locked place is never in one VMA
     * with an unlocked one: their flags differ), its committed VMAs carry its huge-page advice, and
     * each VMA's resident pages (mincore on Linux, so untouched VMAs are not copied). Without it
     * the copy reads /proc/self/smaps on every move (10 to 20 ms in a JVM here), which no
     * allocator that copies would pay, and the comparison with page-table moves would flatter them.
     */
    private List<Mapping> copyLayout(final long from, final long lengthBytes) {
        final List<Mapping> layout = new ArrayList<>();
        for (final Mapping vma : space.mappings(from, from + lengthBytes, MappingSource.AUTO)) {
            final long residentPages = space.residentBytes(vma.startAddress(), vma.endAddress()) / pageSize;
            final LockMode lockMode = lockModes.apply(Math.max(from, vma.startAddress()));
            final boolean advised = vma.protection() == Protection.READ_WRITE; // committed: carries the advice
            layout.add(Mapping.withDetails(vma.startAddress(), vma.endAddress(), vma.protection(), lockMode != null,
                lockMode == LockMode.ON_FAULT, true, residentPages, 0).withHugePages(
                advised && hugePages() == HugePages.WANTED, advised && hugePages() == HugePages.REFUSED, 0));
        }
        return layout;
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
                final long end = Math.min(mapping.endAddress(), from + lengthBytes);
                if (!space.owns(start, end - start)) {
                    // Someone else's mapping took a hole a piece left: that piece cannot go back,
                    // and taking the foreign mapping for the arena's own would lose the piece.
                    throw new IllegalStateException("a mapping that is not the arena's took [" + hex(start) + ", "
                        + hex(end) + ") after its pages moved out");
                }
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
                + "be undone; part of its memory is at " + hex(to) + ", the rest at " + hex(from), undo));
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

    /**
     * Unmaps the arena's own stretches of its range and of any range a failed move left pages
     * in, then ends the lease on them. A stretch the address space refuses or the kernel fails
     * to unmap is kept for a later close to try again; the rest is released regardless.
     *
     * @param ownedStretches the arena's own parts of its range, {offset, length} in bytes
     * @throws IllegalStateException saying what is still mapped, when something could not be
     *     unmapped (the arena is failed then, and a later close tries again)
     */
    void close(final List<long[]> ownedStretches) {
        release(ownedStretches, true);
    }

    /**
     * {@link #close} for an arena the garbage collector found unreachable, without passing the
     * move gate: no one can be in a read section of it, and a section dropped without close()
     * would make the gate wait forever.
     */
    void closeUnreachable(final List<long[]> ownedStretches) {
        release(ownedStretches, false);
    }

    private void release(final List<long[]> ownedStretches, final boolean throughGate) {
        final List<long[]> toUnmap = new ArrayList<>();
        if (leftMapped != null) {
            toUnmap.addAll(leftMapped);
        } else {
            for (final long[] stretch : ownedStretches) {
                toUnmap.add(new long[] {base + stretch[0], stretch[1]});
            }
            toUnmap.addAll(strandedRanges);
        }
        final List<long[]> stillMapped = new ArrayList<>(0);
        final List<String> problems = new ArrayList<>(0);
        if (throughGate) {
            gate.close();
        }
        try {
            for (final long[] stretch : toUnmap) {
                try {
                    unmapOwned(stretch[0], stretch[1]);
                } catch (final RuntimeException refused) {
                    stillMapped.add(stretch);
                    problems.add("[" + hex(stretch[0]) + ", +" + stretch[1] + "): " + refused.getMessage());
                }
            }
        } finally {
            if (throughGate) {
                gate.open();
            }
        }
        leftMapped = stillMapped;
        if (!stillMapped.isEmpty()) {
            final String message = "arena '" + arenaName + "' could not unmap all of its memory on close; still "
                + "mapped: " + String.join("; ", problems) + ". Every call but close() is refused; close() tries again";
            onFailure.accept(message);
            throw new IllegalStateException(message);
        }
        space.unhold(lease, base, reservedBytes);
        for (final long[] stranded : strandedRanges) {
            space.unhold(lease, stranded[0], stranded[1]);
        }
    }

    /**
     * Unmaps {@code [address, address + lengthBytes)}; where the address space refuses because
     * someone else's mapping took a hole in it (after a move that could not be undone), unmaps
     * each of the arena's own mappings there and leaves the foreign ones alone.
     */
    private void unmapOwned(final long address, final long lengthBytes) {
        try {
            space.unmap(address, lengthBytes);
        } catch (final IllegalArgumentException foreignInside) {
            for (final Mapping mapping : space.mappings(address, address + lengthBytes, MappingSource.AUTO)) {
                final long start = Math.max(mapping.startAddress(), address);
                final long end = Math.min(mapping.endAddress(), address + lengthBytes);
                if (space.owns(start, end - start)) {
                    space.unmap(start, end - start);
                }
            }
        }
    }

    /** Whether close has unmapped everything it owns. */
    boolean released() {
        return leftMapped != null && leftMapped.isEmpty();
    }

    /** Unmaps a held range the arena will not use and ends the lease on it. */
    private void discard(final long address, final long lengthBytes) {
        space.unmap(address, lengthBytes);
        space.unhold(lease, address, lengthBytes);
    }

    /**
     * A PROT_NONE reservation of {@code lengthBytes}, aligned (see the class comment), just below
     * a large free gap so that it can grow in place and nothing lands in the holes a move leaves,
     * held under the arena's lease.
     */
    private long reserveAligned(final long lengthBytes) {
        final long alignment = alignmentFor(lengthBytes);
        final long slackBytes = alignment - pageSize;
        final long raw = Reservations.belowLargeFreeGap(space, lengthBytes + slackBytes);
        final long aligned = (raw + alignment - 1) & -alignment;
        final long tailBytes = raw + lengthBytes + slackBytes - (aligned + lengthBytes);
        try {
            if (aligned > raw) {
                space.unmap(raw, aligned - raw);
            }
            if (tailBytes > 0) {
                space.unmap(aligned + lengthBytes, tailBytes);
            }
        } catch (final VmException | IllegalArgumentException refused) {
            try {
                space.unmap(raw, lengthBytes + slackBytes); // no one else knows of it: never leave it mapped
            } catch (final VmException | IllegalArgumentException again) {
                refused.addSuppressed(again);
            }
            throw refused;
        }
        holdOrGiveBack(aligned, lengthBytes);
        return aligned;
    }

    /**
     * Holds a range just mapped, or, when another lease holds part of it (the kernel placed it
     * in a hole another arena is about to map again), unmaps it and throws.
     */
    private void holdOrGiveBack(final long address, final long lengthBytes) {
        try {
            space.hold(lease, address, lengthBytes);
        } catch (final IllegalArgumentException heldElsewhere) {
            try {
                space.unmap(address, lengthBytes);
            } catch (final RuntimeException refused) {
                heldElsewhere.addSuppressed(refused); // inside the other's hole: the address space keeps it
            }
            throw heldElsewhere;
        }
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
