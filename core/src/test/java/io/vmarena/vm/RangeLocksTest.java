package io.vmarena.vm;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class RangeLocksTest {
    private static final long BOUND_SECONDS = 10;

    private final RangeLocks locks = new RangeLocks();
    private Thread lastAcquirer;

    @Test
    void shouldLetDisjointRangesProceedAtOnce() throws Exception {
        final int first = locks.acquire(0, 0, 100, 0, 0);
        final int second = acquireOnAnotherThread(100, 200).get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertNotEquals(first, second);
    }

    @Test
    void shouldMakeAnOverlappingRangeWaitForTheRelease() throws Exception {
        final int first = locks.acquire(0, 0, 100, 0, 0);
        final CompletableFuture<Integer> waiting = acquireOnAnotherThread(99, 150);
        waitUntilBlocked(waiting);
        locks.release(first);
        waiting.get(BOUND_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * A moving mremap that waits for its result must not hold the pages it might have grown
     * into: another call's result may lie there, and that call may wait for this one's old range.
     */
    @Test
    void shouldReleaseWhatANarrowedRangeGaveUp() throws Exception {
        final int mover = locks.acquire(0, 0, 100, 0, 0);
        locks.narrow(mover, 0, 10);
        acquireOnAnotherThread(50, 60).get(BOUND_SECONDS, TimeUnit.SECONDS);
        final CompletableFuture<Integer> stillHeld = acquireOnAnotherThread(5, 6);
        waitUntilBlocked(stillHeld);
        locks.release(mover);
        stillHeld.get(BOUND_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void shouldNotWaitForItsOwnTicket() {
        final int ticket = locks.acquire(0, 0, 100, 0, 0);
        assertEquals(ticket, locks.acquire(ticket, 50, 150, 0, 0));
    }

    private CompletableFuture<Integer> acquireOnAnotherThread(final long start, final long end) {
        final CompletableFuture<Integer> ticket = new CompletableFuture<>();
        final Thread thread = new Thread(() -> ticket.complete(locks.acquire(0, start, end, 0, 0)), "acquirer");
        thread.setDaemon(true);
        thread.start();
        lastAcquirer = thread;
        return ticket;
    }

    /** Bounded: the other thread reaches wait() in microseconds; a test that times out has failed. */
    private void waitUntilBlocked(final CompletableFuture<Integer> ticket) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (lastAcquirer.getState() != Thread.State.WAITING && !ticket.isDone() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertFalse(ticket.isDone(), "an overlapping acquire must wait");
    }
}
