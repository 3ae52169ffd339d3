package io.vmarena;

import io.vmarena.vm.Advice;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.VmException;

import java.time.Duration;

/**
 * Makes the memory an arena holds resident before traffic: MADV_POPULATE_WRITE (Linux 5.14+)
 * over each stretch of held segments; where the kernel lacks it (EINVAL), plain mlock over the
 * locked stretches of a pinned arena, then MLOCK_ONFAULT again (which keeps the pages, L10, and
 * lets the VMAs merge with the arena's other locked ones). Never by writing into the memory: a
 * write through a mapping someone else shares corrupts their data (Aeron's lesson).
 */
final class Populator {
    private final Places places;
    private final ArenaRange range;
    private final long segmentBytes;

    Populator(final Places places, final ArenaRange range, final long segmentBytes) {
        this.places = places;
        this.range = range;
        this.segmentBytes = segmentBytes;
    }

    /**
     * @param lockMode how the arena's locked places are locked, or null when it is not pinned
     */
    PopulateResult populate(final LockMode lockMode) {
        final long residentBefore = range.residentBytes();
        final long start = System.nanoTime();
        final String tooMuch = beyondAvailableMemory(range, heldBytes(), residentBefore);
        if (tooMuch != null) {
            return result(PopulateResult.Method.NONE, 0, residentBefore, start, tooMuch + ": nothing was populated");
        }
        long populatedBytes = 0;
        for (int place = nextHeld(0); place < places.count(); place = nextHeld(place)) {
            final int end = endOfHeld(place);
            try {
                range.advise(place, end - place, Advice.POPULATE_WRITE);
            } catch (final VmException refusal) {
                if (refusal.errno() != Errno.EINVAL) {
                    return result(PopulateResult.Method.POPULATE_WRITE, populatedBytes, residentBefore, start,
                        "MADV_POPULATE_WRITE stopped after " + populatedBytes + " bytes (" + refusal.getMessage() + ")");
                }
                return lockMode == null ? result(PopulateResult.Method.NONE, 0, residentBefore, start, "the kernel "
                    + "lacks MADV_POPULATE_WRITE (Linux 5.14+) and the arena is not pinned, so nothing was populated "
                    + "(vmarena never populates by writing into memory); pin() it first to populate with mlock")
                    : populateByLocking(lockMode, residentBefore, start);
            }
            populatedBytes += (long)(end - place) * segmentBytes;
            place = end;
        }
        return result(PopulateResult.Method.POPULATE_WRITE, populatedBytes, residentBefore, start, null);
    }

    private PopulateResult populateByLocking(final LockMode lockMode, final long residentBefore, final long start) {
        long populatedBytes = 0;
        String stopped = null;
        for (int place = 0; place < places.count() && stopped == null; place++) {
            if (!places.has(place, Places.LOCKED)) {
                continue;
            }
            int end = place;
            while (end < places.count() && places.has(end, Places.LOCKED)) {
                end++;
            }
            try {
                range.lock(place, end - place, LockMode.POPULATE);
                if (lockMode == LockMode.ON_FAULT) {
                    range.lock(place, end - place, LockMode.ON_FAULT);
                }
                populatedBytes += (long)(end - place) * segmentBytes;
            } catch (final VmException refusal) {
                stopped = " stopped there (" + refusal.getMessage() + ")"; // the pages stay locked as before
            }
            place = end;
        }
        return result(PopulateResult.Method.MLOCK, populatedBytes, residentBefore, start, "the kernel lacks "
            + "MADV_POPULATE_WRITE (Linux 5.14+): the locked memory of the pinned arena was populated with mlock"
            + (stopped != null ? " and" + stopped : "") + "; unlocked memory was not");
    }

    private PopulateResult result(final PopulateResult.Method method, final long populatedBytes,
        final long residentBefore, final long start, final String reason) {
        final Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        return new PopulateResult(method, populatedBytes, residentBefore, range.residentBytes(), elapsed,
            reason != null ? reason : "populated " + populatedBytes + " bytes with MADV_POPULATE_WRITE in "
                + elapsed.toNanos() / 1000 + " us");
    }

    private long heldBytes() {
        long heldBytes = 0;
        for (int place = 0; place < places.count(); place++) {
            if (Pinning.holdsMemory(places, place)) {
                heldBytes += segmentBytes;
            }
        }
        return heldBytes;
    }

    /**
     * Null when making {@code heldBytes} resident fits the memory the system has available, else
     * why not: past MemAvailable the OOM killer may end the process, which no call may cause.
     */
    static String beyondAvailableMemory(final ArenaRange range, final long heldBytes, final long residentBytes) {
        final long neededBytes = heldBytes - residentBytes;
        final long availableBytes = range.space().availableMemoryBytes();
        if (neededBytes <= availableBytes) {
            return null;
        }
        return "making the arena's " + heldBytes + " bytes resident would take " + neededBytes + " bytes more, and "
            + "the system has " + availableBytes + " available (MemAvailable): past that the OOM killer may end "
            + "the process; free memory, or make less of it resident";
    }

    private int nextHeld(final int from) {
        int place = from;
        while (place < places.count() && !Pinning.holdsMemory(places, place)) {
            place++;
        }
        return place;
    }

    private int endOfHeld(final int from) {
        int end = from;
        while (end < places.count() && Pinning.holdsMemory(places, end)) {
            end++;
        }
        return end;
    }
}
