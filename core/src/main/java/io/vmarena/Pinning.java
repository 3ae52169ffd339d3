package io.vmarena;

import io.vmarena.vm.Advice;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.VmException;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Keeps an arena's memory locked in RAM while it is pinned: {@code mlock2(MLOCK_ONFAULT)} over
 * the segments it holds (in use, or retained for reuse), so pages lock as they are first touched
 * and nothing is faulted in up front; each segment it commits later is locked as it is committed.
 * Per place, {@link Places#LOCKED} says what is locked, so locked bytes are counted once whatever
 * the kernel's VMAs look like.
 *
 * <p>The kernel may say no, and the arena then works unpinned in part or whole, never fails:
 * EPERM (RLIMIT_MEMLOCK is 0 and no CAP_IPC_LOCK) locks nothing and stops trying until the next
 * {@link #pin}; ENOMEM or EAGAIN (the limit reached) locks what fits, halving the stretch that did
 * not fit until one segment is refused, and leaves the rest unlocked. Each kind of refusal is
 * logged once (WARNING, naming the fixes) until the arena is wholly pinned again, and is always
 * in {@link #status()}.
 *
 * <p>Moves keep locks (mremap moves VM_LOCKED with the pages, and same-size moves are never
 * checked against the limit): whoever moves places carries their LOCKED flags. Free places the
 * arena gives back are unlocked first ({@link #unlockForRelease}): MADV_DONTNEED refuses locked
 * memory. Not thread-safe: the arena serializes calls.
 */
final class Pinning {
    private static final System.Logger LOG = System.getLogger(Arena.class.getName());
    private static final String FIXES = "raise RLIMIT_MEMLOCK for the JVM (`ulimit -l <KiB>` in the shell that "
        + "starts it; `LimitMEMLOCK=<bytes>` in its systemd unit; `docker run --ulimit memlock=<bytes>:<bytes>`) or "
        + "give it CAP_IPC_LOCK (`docker run --cap-add IPC_LOCK`; `AmbientCapabilities=CAP_IPC_LOCK` in systemd)";

    /** The kinds of refusal, each logged once until the arena is wholly pinned again. */
    private enum Refusal { NOT_PERMITTED, NO_ON_FAULT, LIMIT, GROWTH, OTHER, UNLOCK }

    private final String arenaName;
    private final Places places;
    private final ArenaRange range;
    private final long segmentBytes;
    private final PinFallback fallback;
    private final Set<Refusal> told = EnumSet.noneOf(Refusal.class);
    /** Whether the arena is to be pinned: from {@link #pin} until {@link #unpin}. */
    private boolean requested;
    /** Whether the kernel refused for good (EPERM, no MLOCK_ONFAULT): no lock is tried until the next pin. */
    private boolean refused;
    /** At most this many bytes are locked (a pinning policy's share of its budget). */
    private long limitBytes = Long.MAX_VALUE;
    /** How places are locked while pinned: ON_FAULT, or POPULATE where the kernel lacks it and the arena falls back. */
    private LockMode mode = LockMode.ON_FAULT;
    /** The last refusal's explanation, or null: what {@link #status()} says when not wholly pinned. */
    private String problem;
    /** Who pinned: "pin()" or a policy's explanation. */
    private String pinnedBy = "pin()";

    Pinning(final String arenaName, final Places places, final ArenaRange range, final long segmentBytes,
        final PinFallback fallback) {
        this.arenaName = arenaName;
        this.places = places;
        this.range = range;
        this.segmentBytes = segmentBytes;
        this.fallback = fallback;
        range.lockModes(this::lockModeAt);
    }

    /**
     * Pins the arena: locks every place it holds that is not locked yet, at most
     * {@code limitBytes} in all, and keeps locking what it commits while pinned.
     *
     * @param by who asks, for {@link #status()}: "pin()" or the policy's reason
     */
    PinStatus pin(final long limitBytes, final String by) {
        requested = true;
        refused = false;
        problem = null;
        pinnedBy = by;
        this.limitBytes = limitBytes;
        final Capabilities capabilities = range.space().capabilities();
        if (capabilities.lockOnFault().available()) {
            mode = LockMode.ON_FAULT;
        } else if (fallback == PinFallback.POPULATE) {
            mode = LockMode.POPULATE;
        } else {
            refuse(Refusal.NO_ON_FAULT, "arena '" + arenaName + "' is not pinned: the kernel lacks MLOCK_ONFAULT ("
                + capabilities.lockOnFault().reason() + "), and locking without it faults in every committed page; "
                + "build the arena with pinFallback(PinFallback.POPULATE) to lock that way, or run on Linux 4.4+");
            return status();
        }
        // Places locked beyond a lowered limit are unlocked from the top: the policy shrinks a share this way.
        unlockAbove(limitBytes);
        lockHeld(0, places.count(), Refusal.LIMIT);
        return status();
    }

    /** Unlocks every locked place and stops locking new ones. */
    PinStatus unpin() {
        requested = false;
        refused = false;
        problem = null;
        unlockAbove(0);
        return status();
    }

    /**
     * Places {@code [start, start + count)} were just claimed (committed where they were not): locks
     * those not locked while the arena is pinned. A refusal leaves them unlocked and is reported:
     * the arena grows anyway.
     */
    void claimed(final int start, final int count) {
        if (requested && !refused) {
            lockHeld(start, start + count, Refusal.GROWTH);
        }
    }

    /**
     * Free places {@code [start, start + count)} are about to be given back with MADV_DONTNEED,
     * which the kernel refuses on locked memory: unlocks the locked ones.
     *
     * @return false when munlock failed (they stay locked and retained)
     */
    boolean unlockForRelease(final int start, final int count) {
        for (int place = start; place < start + count; place++) {
            if (!places.has(place, Places.LOCKED)) {
                continue;
            }
            int end = place;
            while (end < start + count && places.has(end, Places.LOCKED)) {
                end++;
            }
            if (!unlockStretch(place, end - place)) {
                return false;
            }
            place = end;
        }
        return true;
    }

    /**
     * Unlocks locked places {@code [start, start + count)} and clears their LOCKED flags. munlock
     * may fail part way, after it unlocked the VMAs before a hole or a refused split (kernel-
     * semantics L14, L6), so a refused stretch is unlocked again in halves (munlock of unlocked
     * memory is 0) until each place is unlocked or refused on its own: the flags then say what the
     * kernel did.
     *
     * @return false when some place stays locked (its flag stays set)
     */
    private boolean unlockStretch(final int start, final int count) {
        try {
            range.unlock(start, count);
            clear(start, start + count);
            return true;
        } catch (final VmException kept) {
            if (count == 1) {
                problem = "unlocking failed (" + kept.getMessage() + ")";
                return false;
            }
            final int half = count / 2;
            final boolean low = unlockStretch(start, half);
            return unlockStretch(start + half, count - half) && low;
        }
    }

    /** Locked bytes: the arena's share of VmLck. */
    long pinnedBytes() {
        long pinnedBytes = 0;
        for (int place = 0; place < places.count(); place++) {
            if (places.has(place, Places.LOCKED)) {
                pinnedBytes += segmentBytes;
            }
        }
        return pinnedBytes;
    }

    boolean requested() {
        return requested;
    }

    /** The lock mode of the place at {@code address}, or null when it is not locked (for a copying move). */
    private LockMode lockModeAt(final long address) {
        final long offset = address - range.base();
        final long place = offset / segmentBytes;
        return offset >= 0 && place < places.count() && places.has((int)place, Places.LOCKED) ? mode : null;
    }

    PinStatus status() {
        long pinnedBytes = 0;
        long unpinnedBytes = 0;
        for (int place = 0; place < places.count(); place++) {
            if (places.has(place, Places.LOCKED)) {
                pinnedBytes += segmentBytes;
            } else if (requested && holdsMemory(place)) {
                unpinnedBytes += segmentBytes;
            }
        }
        if (!requested) {
            return new PinStatus(PinState.UNPINNED, pinnedBytes, 0, pinnedBytes == 0 ? "arena '" + arenaName
                + "' is not pinned" : "arena '" + arenaName + "' is unpinned, yet " + pinnedBytes + " bytes stay "
                + "locked: " + problem + "; unpin() again to retry (close() unmaps them)");
        }
        if (refused) {
            return new PinStatus(PinState.REFUSED, pinnedBytes, unpinnedBytes, problem);
        }
        if (unpinnedBytes == 0) {
            told.clear(); // wholly pinned again: a later refusal is news
            return new PinStatus(PinState.PINNED, pinnedBytes, 0, "arena '" + arenaName + "' is pinned by " + pinnedBy
                + ": " + pinnedBytes + " bytes locked with " + lockCall() + ", and what it commits is locked as it "
                + "commits");
        }
        final String why = problem != null ? problem : limitBytes != Long.MAX_VALUE ? "the pinning limit of "
            + limitBytes + " bytes is reached" : "part of what it holds is not locked; pin() again to lock it";
        return new PinStatus(PinState.PARTLY_PINNED, pinnedBytes, unpinnedBytes, "arena '" + arenaName + "' is "
            + "pinned in part by " + pinnedBy + ": " + pinnedBytes + " bytes locked, " + unpinnedBytes + " bytes work "
            + "unpinned; " + why);
    }

    private String lockCall() {
        return mode == LockMode.ON_FAULT ? "mlock2(MLOCK_ONFAULT)" : "mlock (the kernel lacks MLOCK_ONFAULT)";
    }

    /** Whether the place's memory is the arena's to keep: a segment's, or retained for reuse. */
    private boolean holdsMemory(final int place) {
        return places.has(place, Places.COMMITTED) && (places.occupant(place) >= 0 || places.has(place, Places.RETAINED));
    }

    /**
     * Locks the places in {@code [from, to)} that hold memory and are not locked, stretch by
     * stretch, within the limit. A stretch the kernel refuses for the limit is halved until the
     * part that fits is locked.
     */
    private void lockHeld(final int from, final int to, final Refusal overLimit) {
        long budgetBytes = limitBytes == Long.MAX_VALUE ? Long.MAX_VALUE : limitBytes - pinnedBytes();
        int place = from;
        while (place < to && !refused) {
            if (places.has(place, Places.LOCKED) || !holdsMemory(place)) {
                place++;
                continue;
            }
            int end = place;
            while (end < to && !places.has(end, Places.LOCKED) && holdsMemory(end)) {
                end++;
            }
            final int fitting = (int)Math.min(end - place, budgetBytes / segmentBytes);
            if (fitting < end - place) {
                problem = "the pinning limit of " + limitBytes + " bytes is reached";
            }
            if (fitting == 0) {
                return;
            }
            final int locked = lockFitting(place, fitting, overLimit);
            budgetBytes -= (long)locked * segmentBytes;
            if (locked < fitting) {
                return; // the kernel's limit: the rest cannot fit either
            }
            place = end;
        }
    }

    /** Locks what fits of {@code [start, start + count)}; returns how many places, from the start, are locked. */
    private int lockFitting(final int start, final int count, final Refusal overLimit) {
        try {
            range.lock(start, count, mode);
            for (int place = start; place < start + count; place++) {
                places.set(place, Places.LOCKED);
            }
            return count;
        } catch (final VmException refusal) {
            if (refusal.errno() != Errno.EPERM) {
                undoPartialLock(start, count);
            }
            if (refusal.errno() == Errno.EPERM) {
                refuse(Refusal.NOT_PERMITTED, "arena '" + arenaName + "' is not pinned: RLIMIT_MEMLOCK is 0 and the "
                    + "process lacks CAP_IPC_LOCK, so the kernel refuses every lock (EPERM); the arena works unpinned. "
                    + "To pin it, " + FIXES + " (it needs at least " + heldBytes() + " bytes now)");
                return 0;
            }
            if (refusal.errno() != Errno.ENOMEM && refusal.errno() != Errno.EAGAIN) {
                refuse(Refusal.OTHER, "arena '" + arenaName + "' is not pinned: the kernel refused to lock it ("
                    + refusal.getMessage() + "); it works unpinned");
                return 0;
            }
            if (count > 1) {
                final int half = count / 2;
                final int lockedHalf = lockFitting(start, half, overLimit);
                return lockedHalf < half ? lockedHalf : half + lockFitting(start + half, count - half, overLimit);
            }
            problem = (overLimit == Refusal.GROWTH ? "it grew past the memlock limit and grows on unpinned: " : "")
                + "the kernel refused to lock more (" + refusal.getMessage() + "). To pin all of it, " + FIXES;
            tell(overLimit, "arena '" + arenaName + "': " + pinnedBytes() + " bytes are pinned and the rest works "
                + "unpinned; " + problem);
            return 0;
        }
    }

    /**
     * A refused mlock may have changed part of the range first: VMAs before a hole or a refused
     * split stay locked, and plain mlock sets VM_LOCKED on every VMA before it populates and
     * fails (kernel-semantics L6, L13). None of the range was locked before (only unlocked places
     * are locked), so unlocking all of it makes "refused" mean "nothing locked" again, and VmLck
     * agrees with what the arena counts. If munlock fails too, the stray lock stays until the
     * memory is unmapped.
     */
    private void undoPartialLock(final int start, final int count) {
        try {
            range.unlock(start, count);
        } catch (final VmException kept) {
            // Nothing more to do: the stray lock lasts until its memory is unmapped (a move keeps it).
        }
    }

    private long heldBytes() {
        long heldBytes = 0;
        for (int place = 0; place < places.count(); place++) {
            if (holdsMemory(place)) {
                heldBytes += segmentBytes;
            }
        }
        return heldBytes;
    }

    private void refuse(final Refusal kind, final String message) {
        refused = true;
        problem = message;
        tell(kind, message);
    }

    private void tell(final Refusal kind, final String message) {
        if (told.add(kind)) {
            LOG.log(System.Logger.Level.WARNING, message);
        }
    }

    /** Unlocks locked places from the top until at most {@code keepBytes} stay locked. */
    private void unlockAbove(final long keepBytes) {
        long lockedBytes = pinnedBytes();
        int place = places.count() - 1;
        while (place >= 0 && lockedBytes > keepBytes) {
            if (!places.has(place, Places.LOCKED)) {
                place--;
                continue;
            }
            int start = place;
            while (start > 0 && places.has(start - 1, Places.LOCKED)
                && lockedBytes - (long)(place - start + 1) * segmentBytes > keepBytes) {
                start--;
            }
            if (!unlockStretch(start, place - start + 1)) {
                // What munlock refused stays locked and counted: the status says so, and the next unpin retries.
                tell(Refusal.UNLOCK, "arena '" + arenaName + "': " + problem + "; " + pinnedBytes() + " bytes stay "
                    + "locked until unpin() succeeds or the arena is closed");
                return;
            }
            lockedBytes -= (long)(place - start + 1) * segmentBytes;
            place = start - 1;
        }
    }

    private void clear(final int from, final int to) {
        for (int place = from; place < to; place++) {
            places.clear(place, Places.LOCKED);
        }
    }

    /**
     * Makes the memory the arena holds resident now, before traffic: MADV_POPULATE_WRITE (Linux
     * 5.14+) over each stretch; where the kernel lacks it, plain mlock over the locked stretches of
     * a pinned arena (then MLOCK_ONFAULT again, which keeps the pages). Never by writing into the
     * memory: a write through a mapping someone shares corrupts their data (Aeron's lesson).
     */
    PopulateResult populate() {
        final long residentBefore = range.residentBytes();
        final long start = System.nanoTime();
        long populatedBytes = 0;
        String method = "MADV_POPULATE_WRITE";
        String reason = null;
        for (int place = 0; place < places.count(); place++) {
            if (!holdsMemory(place)) {
                continue;
            }
            int end = place;
            while (end < places.count() && holdsMemory(end)) {
                end++;
            }
            try {
                range.advise(place, end - place, Advice.POPULATE_WRITE);
                populatedBytes += (long)(end - place) * segmentBytes;
            } catch (final VmException refusal) {
                if (refusal.errno() != Errno.EINVAL) {
                    reason = "MADV_POPULATE_WRITE stopped (" + refusal.getMessage() + ")";
                    break;
                }
                method = requested && !refused ? "mlock" : "none";
                reason = "the kernel lacks MADV_POPULATE_WRITE (Linux 5.14+)";
                break;
            }
            place = end;
        }
        if (method.equals("mlock")) {
            populatedBytes = populateByLocking();
            reason += "; the pinned memory was populated with mlock";
        } else if (method.equals("none")) {
            reason += ", and the arena is not pinned, so nothing was populated (vmarena never populates by writing "
                + "into memory); pin() it first to populate with mlock";
        }
        final Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        return new PopulateResult(method, populatedBytes, residentBefore, range.residentBytes(), elapsed,
            reason != null ? reason : "populated " + populatedBytes + " bytes in " + elapsed.toNanos() / 1000 + " us");
    }

    private long populateByLocking() {
        long populatedBytes = 0;
        for (int place = 0; place < places.count(); place++) {
            if (!places.has(place, Places.LOCKED)) {
                continue;
            }
            int end = place;
            while (end < places.count() && places.has(end, Places.LOCKED)) {
                end++;
            }
            try {
                range.lock(place, end - place, LockMode.POPULATE);
                if (mode == LockMode.ON_FAULT) {
                    range.lock(place, end - place, LockMode.ON_FAULT); // keeps the pages; lets the VMAs merge
                }
                populatedBytes += (long)(end - place) * segmentBytes;
            } catch (final VmException refusal) {
                break; // what was populated stands; the pages stay locked as before
            }
            place = end;
        }
        return populatedBytes;
    }
}
