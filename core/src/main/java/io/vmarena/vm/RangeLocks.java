package io.vmarena.vm;

import java.util.Arrays;

/**
 * The address ranges that have a call in flight, so that calls on overlapping ranges take turns
 * and calls on disjoint ranges run at the same time.
 *
 * <pre>
 *  in flight:   [A......)        [B....)
 *  acquire C:          [C...)                  waits: overlaps A
 *  acquire D:                           [D..)  proceeds at once
 * </pre>
 *
 * A call acquires all its ranges at once (an mremap with MREMAP_FIXED: the source and the
 * destination) and releases them with its ticket. Ranges are half-open {@code [start, end)},
 * compared as signed longs (user addresses are positive; a range that would wrap is widened to
 * the whole line by the caller). An empty range holds nothing. Waiting is not interruptible: a
 * system-call wrapper does not throw {@link InterruptedException}; the interrupt is kept.
 * Allocates nothing once its arrays have grown to the number of calls in flight.
 */
final class RangeLocks {
    private long[] starts = new long[8];
    private long[] ends = new long[8];
    private int[] tickets = new int[8];
    private int count;
    private int lastTicket;

    /**
     * Waits until neither range overlaps a range another ticket holds, then holds both.
     *
     * @param ticket a ticket the caller holds already, to add these ranges to it (its own
     *     ranges never make it wait), or 0 for a new one
     * @return the ticket for {@link #release}, never 0
     */
    synchronized int acquire(final int ticket, final long start, final long end, final long otherStart,
        final long otherEnd) {
        boolean interrupted = false;
        while (overlapsAny(ticket, start, end) || overlapsAny(ticket, otherStart, otherEnd)) {
            try {
                wait();
            } catch (final InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        int held = ticket;
        if (held == 0) {
            lastTicket = lastTicket == Integer.MAX_VALUE ? 1 : lastTicket + 1;
            held = lastTicket;
        }
        add(start, end, held);
        add(otherStart, otherEnd, held);
        return held;
    }

    /**
     * Ends the hold of {@code ticket} on the pages of its range that starts at {@code start}
     * from {@code end} on, and wakes the calls waiting for them: an mremap that moved instead of
     * growing in place no longer needs the pages it might have grown into. That is what keeps
     * two moving mremaps from waiting for each other: a call that waits for its result then
     * holds only pages that were mapped until its own move, so it can only wait for calls whose
     * move came earlier than its own, never in a cycle.
     */
    synchronized void narrow(final int ticket, final long start, final long end) {
        for (int index = 0; index < count; index++) {
            if (tickets[index] == ticket && starts[index] == start && ends[index] > end) {
                ends[index] = Math.max(start, end);
            }
        }
        notifyAll();
    }

    /** Ends the hold of {@code ticket} on its ranges and wakes the calls waiting for them. */
    synchronized void release(final int ticket) {
        int index = 0;
        while (index < count) {
            if (tickets[index] == ticket) {
                count--;
                starts[index] = starts[count];
                ends[index] = ends[count];
                tickets[index] = tickets[count];
            } else {
                index++;
            }
        }
        notifyAll();
    }

    private boolean overlapsAny(final int ticket, final long start, final long end) {
        if (start >= end) {
            return false;
        }
        for (int index = 0; index < count; index++) {
            if (tickets[index] != ticket && start < ends[index] && starts[index] < end) {
                return true;
            }
        }
        return false;
    }

    private void add(final long start, final long end, final int ticket) {
        if (start >= end) {
            return;
        }
        if (count == starts.length) {
            starts = Arrays.copyOf(starts, 2 * count);
            ends = Arrays.copyOf(ends, 2 * count);
            tickets = Arrays.copyOf(tickets, 2 * count);
        }
        starts[count] = start;
        ends[count] = end;
        tickets[count] = ticket;
        count++;
    }
}
