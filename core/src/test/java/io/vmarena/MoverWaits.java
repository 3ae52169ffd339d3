package io.vmarena;

import java.util.concurrent.CountDownLatch;

/**
 * A hook into a shared arena's gate for tests that need a mover to be waiting before they go on:
 * a latch counted down when a move finds readers inside and starts to wait for them. The
 * arena's own listener (its report of slow waits) still hears everything.
 */
final class MoverWaits {
    private MoverWaits() {
    }

    /** A latch that the next mover to wait for readers of {@code arena} counts down. */
    static CountDownLatch latch(final Arena arena) {
        final CountDownLatch waiting = new CountDownLatch(1);
        hook(arena, waiting::countDown);
        return waiting;
    }

    /** Runs {@code action} on the mover's thread each time a mover starts to wait (it must not block). */
    static void hook(final Arena arena, final Runnable action) {
        final ReadPhaser phaser = arena.readPhaser();
        final ReadPhaser.WaitListener prior = phaser.listener();
        phaser.listener(new ReadPhaser.WaitListener() {
            @Override
            public void moverWaits() {
                action.run();
                prior.moverWaits();
            }

            @Override
            public void moverWaitsLong(final long waitedNanos) {
                prior.moverWaitsLong(waitedNanos);
            }
        });
    }
}
