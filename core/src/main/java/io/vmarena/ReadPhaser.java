package io.vmarena;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.locks.LockSupport;

/**
 * The move gate of a shared arena: readers enter and leave a read section wait-free (one atomic
 * increment each), and a move waits until every reader that might hold an address into the old
 * range has left. The shape of HdrHistogram's {@code WriterReaderPhaser}, with the roles named
 * for an arena: its "writers" are our readers (many, never blocked by each other), its "reader"
 * is the mover (one at a time, under the arena's lock).
 *
 * <h2>Guarantees</h2>
 * When {@link #close()} returns, every read section entered before it has been left, and every
 * section entered after it waits in {@link #enter()} until {@link #open()}. So no reader uses an
 * address into memory while it moves, and a reader that enters after a move sees the new base.
 *
 * <pre>
 * long token = phaser.enter();   // may wait while a move is under way
 * try { ... read through addresses ... } finally { phaser.exit(token); }
 * </pre>
 */
/*
 * High level design. Three counters: startEpoch counts entries; evenEndEpoch and oddEndEpoch
 * count exits of sections entered while startEpoch was non-negative or negative. close() sets
 * "moving" (volatile), then flips startEpoch's sign with getAndSet and spins until the old
 * phase's end counter equals the value startEpoch had at the flip: every section entered in
 * the old phase has left. A reader increments startEpoch, then reads "moving": if its increment
 * came before the flip, close() waits for it; if after, the volatile write of "moving" came
 * before the flip and so before its increment, and it sees true, leaves and waits. Sequential
 * consistency of volatile accesses and atomics gives that order.
 */
final class ReadPhaser implements MoveGate {
    private static final AtomicLongFieldUpdater<ReadPhaser> START =
        AtomicLongFieldUpdater.newUpdater(ReadPhaser.class, "startEpoch");
    private static final AtomicLongFieldUpdater<ReadPhaser> EVEN_END =
        AtomicLongFieldUpdater.newUpdater(ReadPhaser.class, "evenEndEpoch");
    private static final AtomicLongFieldUpdater<ReadPhaser> ODD_END =
        AtomicLongFieldUpdater.newUpdater(ReadPhaser.class, "oddEndEpoch");
    private static final long PARK_NANOS = 10_000;

    private volatile long startEpoch;
    private volatile long evenEndEpoch;
    private volatile long oddEndEpoch = Long.MIN_VALUE;
    private volatile boolean moving;
    private volatile WaitListener listener = WaitListener.NONE;

    /** What a mover's wait for readers tells: the arena's report of a slow wait, and tests' hooks. */
    interface WaitListener {
        WaitListener NONE = new WaitListener() {
        };

        /** The mover found readers inside and starts to wait for them; on its thread, once per close. */
        default void moverWaits() {
        }
    }

    WaitListener listener() {
        return listener;
    }

    void listener(final WaitListener value) {
        listener = value;
    }

    /** Enters a read section, waiting while memory moves; pass the token to {@link #exit}. */
    long enter() {
        while (true) {
            final long token = START.getAndIncrement(this);
            if (!moving) {
                return token;
            }
            exit(token);
            while (moving) {
                Thread.onSpinWait();
                Thread.yield();
            }
        }
    }

    void exit(final long token) {
        (token < 0 ? ODD_END : EVEN_END).getAndIncrement(this);
    }

    /** Waits for the readers of the current range to leave and holds new ones back. */
    @Override
    public void close() {
        moving = true;
        final boolean nextPhaseIsEven = startEpoch < 0;
        final long initialStartValue = nextPhaseIsEven ? 0 : Long.MIN_VALUE;
        (nextPhaseIsEven ? EVEN_END : ODD_END).set(this, initialStartValue);
        final long startValueAtFlip = START.getAndSet(this, initialStartValue);
        int spins = 0;
        if ((nextPhaseIsEven ? oddEndEpoch : evenEndEpoch) != startValueAtFlip) {
            listener.moverWaits();
        }
        while ((nextPhaseIsEven ? oddEndEpoch : evenEndEpoch) != startValueAtFlip) {
            if (++spins < 1_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
            }
        }
    }

    /** Lets readers in again. */
    @Override
    public void open() {
        moving = false;
    }
}
