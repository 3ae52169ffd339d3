package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockBudget;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.VmException;

import java.util.EnumSet;
import java.util.Set;

/**
 * Keeps an arena's memory locked in RAM while it is pinned: {@code mlock2(MLOCK_ONFAULT)} over
 * the segments it holds (in use, or retained for reuse), so pages lock as they are first touched
 * and nothing is faulted in up front; each segment it claims later is locked as it is claimed.
 * Per place, {@link Places#LOCKED} says what is locked, so locked bytes are counted once whatever
 * the kernel's VMAs look like.
 *
 * <p>The kernel may say no, and the arena then works unpinned in part or whole, never fails:
 * EPERM (RLIMIT_MEMLOCK is 0 and no CAP_IPC_LOCK) locks nothing and stops trying until the next
 * {@link #pin}; ENOMEM or EAGAIN (the limit reached) locks what fits (a pin asks for the room
 * RLIMIT_MEMLOCK leaves, then halves a stretch the kernel still refuses) and leaves the rest
 * unlocked. After such a refusal a claim tries again only once the arena has unlocked something
 * (or at the next {@link #pin}), so a pinned arena at its limit does not pay failed calls on
 * every claim. Each kind of refusal is logged once in the arena's life, and is always in
 * {@link #status()}. A refused lock unlocks what it locked part way (L6, L13); a refused unlock
 * is retried in halves, so the flags follow what the kernel did.
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

    /** The kinds of refusal, each logged once in the arena's life (the status always says it). */
    private enum Refusal { NOT_PERMITTED, NO_ON_FAULT, LIMIT, GROWTH, UNLOCK, OTHER }

    private final String arenaName;
    private final Places places;
    private final ArenaRange range;
    private final long segmentBytes;
    private final PinFallback fallback;
    private final Populator populator;
    private final Set<Refusal> told = EnumSet.noneOf(Refusal.class);
    /** Whether the arena is to be pinned: from {@link #pin} until {@link #unpin}. */
    private boolean requested;
    /** Whether the kernel refused for good (EPERM, no MLOCK_ONFAULT): no lock is tried until the next pin. */
    private boolean refused;
    /**
     * The locked places when the kernel last refused for the limit, or -1: claims try again only
     * once fewer are locked (the arena gave some back), or after the next pin.
     */
    private int lockedAtLimit = -1;
    /** At most this many bytes are locked (a pinning policy's share of its budget). */
    private long limitBytes = Long.MAX_VALUE;
    /** How places are locked while pinned: ON_FAULT, or POPULATE where the kernel lacks it and the arena falls back. */
    private LockMode mode = LockMode.ON_FAULT;
    /** The last refusal's explanation, or null: what {@link #status()} says when not wholly pinned. */
    private String problem;
    /** Who pinned: "pin()" or a policy's explanation. */
    private String pinnedBy = "pin()";
    /** Why a pinning policy unpinned the arena, for {@link #status()}; null after any other pin or unpin. */
    private String unpinnedBy;

    Pinning(final String arenaName, final Places places, final ArenaRange range, final long segmentBytes,
        final PinFallback fallback) {
        this.arenaName = arenaName;
        this.places = places;
        this.range = range;
        this.segmentBytes = segmentBytes;
        this.fallback = fallback;
        this.populator = new Populator(places, range, segmentBytes);
    }

    /** Whether locking a place faults all its pages in (plain mlock, the MLOCK fallback). */
    boolean lockPopulates() {
        return mode == LockMode.POPULATE;
    }

    /**
     * Pins the arena: locks every place it holds that is not locked yet, at most
     * {@code limitBytes} in all (unlocking from the top what a lowered limit leaves over), and
     * keeps locking what it claims while pinned.
     *
     * @param by who asks, for {@link #status()}: "pin()" or the policy's reason
     */
    PinStatus pin(final long limitBytes, final String by) {
        unpinnedBy = null;
        requested = true;
        refused = false;
        lockedAtLimit = -1;
        problem = null;
        pinnedBy = by;
        this.limitBytes = limitBytes;
        final Capabilities capabilities = range.space().capabilities();
        if (capabilities.lockOnFault().available()) {
            mode = LockMode.ON_FAULT;
        } else if (fallback == PinFallback.MLOCK) {
            mode = LockMode.POPULATE;
            final String tooMuch = Populator.beyondAvailableMemory(range, heldBytes(), range.residentBytes());
            if (tooMuch != null) {
                refuse(Refusal.OTHER, "arena '" + arenaName + "' is not pinned: plain mlock (the kernel lacks "
                    + "MLOCK_ONFAULT) faults in all it locks, and " + tooMuch);
                return status();
            }
        } else {
            refuse(Refusal.NO_ON_FAULT, "arena '" + arenaName + "' is not pinned: the kernel lacks MLOCK_ONFAULT ("
                + capabilities.lockOnFault().reason() + "), and locking without it faults in every page the arena "
                + "holds; build the arena with pinFallback(PinFallback.MLOCK) to lock that way, or run on Linux 4.4+");
            return status();
        }
        unlockAbove(limitBytes);
        lockHeld(0, places.count(), Refusal.LIMIT, true);
        return status();
    }

    /**
     * Unlocks every locked place and stops locking new ones; {@code why} is what {@link #status()}
     * says then (a policy's reason; null for the user's unpin(), after which refusals are news again).
     */
    PinStatus unpin(final String why) {
        unpinnedBy = why;
        requested = false;
        refused = false;
        lockedAtLimit = -1;
        problem = null;
        unlockAbove(0);
        return status();
    }

    /** Unlocks every locked place and stops locking new ones. */
    PinStatus unpin() {
        return unpin(null);
    }

    /**
     * Places {@code [start, start + count)} were just claimed (committed where they were not): locks
     * those not locked while the arena is pinned, in one call. A refusal leaves them unlocked and
     * is reported: the arena grows anyway.
     */
    void claimed(final int start, final int count) {
        if (!requested || refused) {
            return;
        }
        if (lockedAtLimit < 0 || places.lockedCount() < lockedAtLimit) {
            lockHeld(start, start + count, Refusal.GROWTH, false);
        } else if (!told.contains(Refusal.GROWTH)) {
            // At the limit already: no call can succeed, but the growth past it is news once.
            problem = "it grew past the memlock limit and grows on unpinned; " + problem;
            tell(Refusal.GROWTH, "arena '" + arenaName + "': " + pinnedBytes() + " bytes are pinned; " + problem);
        }
    }

    /**
     * Free places {@code [start, start + count)} are about to be given back with MADV_DONTNEED,
     * which the kernel refuses on locked memory: unlocks the locked ones.
     *
     * @return false when munlock failed (what it could not unlock stays locked, and retained)
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
            if (!unlock(place, end)) {
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
        return places.lockedCount() * segmentBytes;
    }

    /** The lock mode of the place at {@code address}, or null when it is not locked (for a copying move). */
    LockMode lockModeAt(final long address) {
        final long offset = address - range.base();
        final long place = offset / segmentBytes;
        return offset >= 0 && place < places.count() && places.has((int)place, Places.LOCKED) ? mode : null;
    }

    /** The arena's pinning now. Changes nothing. */
    PinStatus status() {
        return status(places);
    }

    /**
     * The arena's pinning as {@code places} show it: the arena's, or a reader's copy of them
     * (see {@link Places#copyForReader}). Changes nothing.
     */
    PinStatus status(final Places places) {
        final long pinnedBytes = places.lockedCount() * segmentBytes;
        if (!requested) {
            return new PinStatus(PinState.UNPINNED, pinnedBytes, 0, pinnedBytes == 0 ? "arena '" + arenaName
                + "' is not pinned" + (unpinnedBy != null ? ": " + unpinnedBy : "") : "arena '" + arenaName
                + "' is unpinned, yet " + pinnedBytes + " bytes stay locked: " + problem + "; unpin() again to "
                + "retry (close() unmaps them)");
        }
        long unpinnedBytes = 0;
        for (int place = 0; place < places.count(); place++) {
            if (!places.has(place, Places.LOCKED) && holdsMemory(places, place)) {
                unpinnedBytes += segmentBytes;
            }
        }
        if (refused) {
            // REFUSED means nothing locked; what was locked before the refusal stays locked and counted.
            return new PinStatus(pinnedBytes == 0 ? PinState.REFUSED : PinState.PARTLY_PINNED, pinnedBytes,
                unpinnedBytes, problem);
        }
        if (unpinnedBytes == 0) {
            return new PinStatus(PinState.PINNED, pinnedBytes, 0, "arena '" + arenaName + "' is pinned by " + pinnedBy
                + ": " + pinnedBytes + " bytes locked with " + (mode == LockMode.ON_FAULT ? "mlock2(MLOCK_ONFAULT)"
                : "mlock (the kernel lacks MLOCK_ONFAULT)") + "; what it claims is locked as it is claimed");
        }
        final String why = problem != null ? problem : limitBytes != Long.MAX_VALUE ? "the pinning limit of "
            + limitBytes + " bytes is reached" : "part of what it holds is not locked; pin() again to lock it";
        return new PinStatus(PinState.PARTLY_PINNED, pinnedBytes, unpinnedBytes, "arena '" + arenaName + "' is "
            + "pinned in part by " + pinnedBy + ": " + pinnedBytes + " bytes locked, " + unpinnedBytes + " bytes work "
            + "unpinned; " + why);
    }

    /** Whether {@code place} holds the arena's memory: a segment's, or retained for reuse. */
    static boolean holdsMemory(final Places places, final int place) {
        return places.has(place, Places.COMMITTED) && (places.occupant(place) >= 0 || places.has(place, Places.RETAINED));
    }

    /**
     * Locks the places in {@code [from, to)} that hold memory and are not locked, stretch by
     * stretch, within the limit. With {@code halve}, a stretch the kernel refuses for the limit is
     * halved until the part that fits is locked.
     */
    private void lockHeld(final int from, final int to, final Refusal overLimit, final boolean halve) {
        long budgetBytes = limitBytes == Long.MAX_VALUE ? Long.MAX_VALUE : limitBytes - pinnedBytes();
        // A pin reads the room RLIMIT_MEMLOCK leaves (one read of /proc/self/status) and asks for
        // no more: halving from a refusal costs a failed call, and an exception, per step. A claim
        // does not read it: one failed call is cheaper than the read.
        long roomBytes = halve ? roomBytes() : Long.MAX_VALUE;
        int place = from;
        while (place < to && !refused) {
            if (places.has(place, Places.LOCKED) || !holdsMemory(places, place)) {
                place++;
                continue;
            }
            int end = place;
            while (end < to && !places.has(end, Places.LOCKED) && holdsMemory(places, end)) {
                end++;
            }
            final int fitting = (int)Math.max(0, Math.min(end - place, budgetBytes / segmentBytes));
            if (fitting < end - place) {
                problem = "the pinning limit of " + limitBytes + " bytes is reached";
            }
            if (fitting == 0) {
                return;
            }
            if (roomBytes / segmentBytes < fitting) {
                final int roomPlaces = (int)(roomBytes / segmentBytes);
                final int locked = roomPlaces > 0 ? lockFitting(place, roomPlaces, overLimit, true) : 0;
                if (locked == roomPlaces) {
                    lockFitting(place + locked, 1, overLimit, false); // refused: reported in the kernel's words
                }
                return;
            }
            final int locked = lockFitting(place, fitting, overLimit, halve);
            budgetBytes -= (long)locked * segmentBytes;
            roomBytes -= roomBytes == Long.MAX_VALUE ? 0 : (long)locked * segmentBytes;
            if (locked < fitting) {
                return; // the kernel's limit: the rest cannot fit either
            }
            place = end;
        }
    }

    /** Locks what fits of {@code [start, start + count)}; returns how many places, from the start, are locked. */
    private int lockFitting(final int start, final int count, final Refusal overLimit, final boolean halve) {
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
                refuse(Refusal.NOT_PERMITTED, notPinned() + "RLIMIT_MEMLOCK is 0 and the process lacks CAP_IPC_LOCK, "
                    + "so the kernel refuses every lock (EPERM); the arena works unpinned. To pin it, " + FIXES
                    + " (it needs at least " + heldBytes() + " bytes now)");
                return 0;
            }
            if (refusal.errno() != Errno.ENOMEM && refusal.errno() != Errno.EAGAIN) {
                refuse(Refusal.OTHER, notPinned() + "the kernel refused to lock it (" + refusal.getMessage()
                    + "); it works unpinned");
                return 0;
            }
            if (halve && count > 1) {
                final int half = count / 2;
                final int lockedHalf = lockFitting(start, half, overLimit, true);
                return lockedHalf < half ? lockedHalf : half + lockFitting(start + half, count - half, overLimit, true);
            }
            lockedAtLimit = places.lockedCount();
            problem = (overLimit == Refusal.GROWTH ? "it grew past the memlock limit and grows on unpinned; " : "")
                + "the kernel refused to lock more (" + refusal.getMessage() + "). " + remedy((long)count * segmentBytes);
            tell(overLimit, "arena '" + arenaName + "': " + pinnedBytes() + " bytes are pinned and the rest works "
                + "unpinned; " + problem);
            return 0;
        }
    }

    /**
     * How a refusal for good begins: "not pinned", or, when locks from before stay (the limit
     * dropped to 0 under a pinned arena, a prlimit from outside), how much stays locked.
     */
    private String notPinned() {
        final long pinnedBytes = pinnedBytes();
        return pinnedBytes == 0 ? "arena '" + arenaName + "' is not pinned: " : "arena '" + arenaName + "' is pinned "
            + "in part: " + pinnedBytes + " bytes locked before stay locked, the rest works unpinned: ";
    }

    /**
     * What to do about an ENOMEM or EAGAIN for {@code lengthBytes}: raise the limit when that is
     * what stopped it; else the map count (a lock splits VMAs) is the likelier cause.
     */
    private String remedy(final long lengthBytes) {
        final AddressSpace space = range.space();
        final Capabilities capabilities = space.capabilities();
        final LockBudget budget = new LockBudget(space.lockedBytes(), capabilities.memlockSoftBytes(),
            capabilities.memlockHardBytes(), capabilities.ipcLock().available());
        if (budget.exceededBy(lengthBytes)) {
            return "To pin all of it, " + FIXES; // the kernel's message above gives the figures
        }
        return "The memlock limit has room (" + budget.lockedBytes() + " bytes locked; " + budget.limits() + "), so "
            + "the likelier cause is vm.max_map_count (" + capabilities.maxMapCount() + "): locking part of a range "
            + "splits its VMAs; compact the arena, or raise vm.max_map_count";
    }

    /** What RLIMIT_MEMLOCK lets the process lock more, now; unlimited with CAP_IPC_LOCK. */
    private long roomBytes() {
        if (range.space().capabilities().ipcLock().available()) {
            return Long.MAX_VALUE; // no limit applies: no need to read /proc/self/status on every pin
        }
        final LockBudget budget = range.space().lockBudget();
        if (budget.ipcLock() || budget.softLimitBytes() == Capabilities.UNLIMITED) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, budget.softLimitBytes() - budget.lockedBytes());
    }

    /** The bytes pinning the arena whole would lock: segments in use and retained (a pinning policy's need). */
    long heldBytes() {
        long heldBytes = 0;
        for (int place = 0; place < places.count(); place++) {
            if (holdsMemory(places, place)) {
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
            unlock(start, place + 1);
            lockedBytes = pinnedBytes();
            place = start - 1;
        }
    }

    /** munlock of places {@code [from, to)} ({@link #unlockStretch}); a failure is reported once. */
    private boolean unlock(final int from, final int to) {
        if (unlockStretch(from, to - from)) {
            return true;
        }
        tell(Refusal.UNLOCK, "arena '" + arenaName + "': " + problem + "; " + pinnedBytes() + " bytes stay locked "
            + "until unpin() succeeds or the arena is closed");
        return false;
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

    private void clear(final int from, final int to) {
        for (int place = from; place < to; place++) {
            places.clear(place, Places.LOCKED);
        }
    }

    /** See {@link Populator}. */
    PopulateResult populate() {
        return populator.populate(requested && !refused && places.lockedCount() > 0 ? mode : null);
    }
}
