package io.vmarena;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The move gate of a shared arena: readers enter and leave a read section wait-free (one atomic
 * increment each), and a move waits until every reader that might hold an address into the old
 * range has left. The shape of HdrHistogram's {@code WriterReaderPhaser}, with the roles named
 * for an arena: its "writers" are our readers (many, never blocked by each other), its "reader"
 * is the mover (one at a time, under the arena's lock).
 *
 * <h2>Who may call what</h2>
 * <ul>
 *   <li>{@link #enter()} and {@link #exit(long)}: any thread, any number at once; each
 *       {@code exit} takes the token of one {@code enter}, exactly once, and a thread must not
 *       enter again before it exits (it could wait for a mover that waits for it: {@code Arena}
 *       keeps a count per thread and enters only for the thread's first open section).</li>
 *   <li>{@link #close()} and {@link #open()}: one mover at a time, in pairs, never from inside a
 *       section (the arena's lock serializes movers; a thread inside a section is refused the
 *       lock's changes). {@link #closing()}: any thread.</li>
 * </ul>
 *
 * <h2>Guarantees</h2>
 * When {@link #close()} returns, every section entered before it has been left, and every
 * section entered after it waits in {@link #enter()} until {@link #open()}. So no reader uses an
 * address into memory while it moves, and a reader that enters after a move sees everything the
 * mover wrote before {@code open()} (the new base). A reader that is inside and sees
 * {@link #closing()} true knows the mover is waiting for it and changes nothing until it leaves.
 * A mover that finds readers inside tells its {@link WaitListener} once per close, and once more
 * when it has waited longer than the limit given at construction (a section that never closes
 * holds every move off for good; the listener reports it). A listener that throws changes
 * nothing: the close goes on waiting and returns as it would have.
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
 *
 * Waiting: both sides spin briefly (a move takes microseconds), then park with a growing pause
 * up to MAX_PARK_NANOS, so a wait that lasts (a section left open) costs little CPU. parkNanos
 * returns at once while the thread's interrupt flag is set, so the flag is cleared while waiting
 * and set again after: a move cannot be abandoned half way, and an interrupt must not turn the
 * wait into a busy loop.
 */
final class ReadPhaser implements MoveGate {
    private static final AtomicLongFieldUpdater<ReadPhaser> START =
        AtomicLongFieldUpdater.newUpdater(ReadPhaser.class, "startEpoch");
    private static final AtomicLongFieldUpdater<ReadPhaser> EVEN_END =
        AtomicLongFieldUpdater.newUpdater(ReadPhaser.class, "evenEndEpoch");
    private static final AtomicLongFieldUpdater<ReadPhaser> ODD_END =
        AtomicLongFieldUpdater.newUpdater(ReadPhaser.class, "oddEndEpoch");
    private static final int SPINS = 1_000;
    private static final long MIN_PARK_NANOS = 10_000;
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** After how long a mover's wait is reported as long. */
    private final long longWaitNanos;
    /** The lock that serializes movers, asserted in close() and open(); null: the caller serializes them. */
    private final ReentrantLock moverLock;
    private volatile long startEpoch;
    private volatile long evenEndEpoch;
    private volatile long oddEndEpoch = Long.MIN_VALUE;
    private volatile boolean moving;
    private volatile WaitListener listener = WaitListener.NONE;
    /**
     * Entries of the phases before the current one (startEpoch starts again at each close): with
     * the current phase's, how many sections were entered, for a pinning policy's measure of
     * activity. Written by the mover only, in close().
     */
    private volatile long enteredBeforePhase;

    /** What a mover's wait for readers tells: the arena's report of a long wait, and tests' hooks. */
    interface WaitListener {
        WaitListener NONE = new WaitListener() {
        };

        /** The mover found readers inside and starts to wait for them; on its thread, once per close. */
        default void moverWaits() {
        }

        /**
         * The mover has waited {@code waitedNanos} (past the limit) and still waits; on its thread,
         * once per close. It must not wait for readers itself.
         */
        default void moverWaitsLong(final long waitedNanos) {
        }
    }

    /** A gate that never reports a wait as long, whose one mover the caller keeps to one thread at a time. */
    ReadPhaser() {
        this(Long.MAX_VALUE, null);
    }

    ReadPhaser(final long longWaitNanos, final ReentrantLock moverLock) {
        if (longWaitNanos <= 0) {
            throw new IllegalArgumentException("longWaitNanos must be positive, got " + longWaitNanos);
        }
        this.longWaitNanos = longWaitNanos;
        this.moverLock = moverLock;
    }

    WaitListener listener() {
        return listener;
    }

    /** Sets who hears of the mover's waits; before the gate is used, or by a test. */
    void listener(final WaitListener value) {
        listener = value;
    }

    /**
     * Enters a read section, waiting while memory moves; pass the token to {@link #exit}.
     *
     * @throws IllegalStateException when the caller is the mover (it holds the mover's lock): it
     *     would wait for itself; nothing changes
     */
    long enter() {
        while (true) {
            final long token = START.getAndIncrement(this);
            if (!moving) {
                return token;
            }
            exit(token);
            if (moverLock != null && moverLock.isHeldByCurrentThread()) {
                // The mover itself (code its move runs, a log handler of its report): it would wait for itself.
                throw new IllegalStateException("read() from the thread of a call of the arena under way (a log "
                    + "handler of its move-wait report, say): that call is moving memory and waits for read sections "
                    + "to close; call the arena from another thread");
            }
            waitForOpen();
        }
    }

    void exit(final long token) {
        (token < 0 ? ODD_END : EVEN_END).getAndIncrement(this);
    }

    /**
     * How many times a section was entered (a retry after a move counts again). Exact when the
     * caller holds the mover's lock, so that no close() comes between the two reads; a pinning
     * policy's measure of activity, which costs the readers nothing they did not pay already.
     */
    long entered() {
        final long start = startEpoch;
        return enteredBeforePhase + start - (start < 0 ? Long.MIN_VALUE : 0);
    }

    /** Whether a mover has closed the gate or is closing it (waiting for readers to leave). */
    boolean closing() {
        return moving;
    }

    /** Waits for the readers of the current range to leave and holds new ones back. */
    @Override
    public void close() {
        assert moverLock == null || moverLock.isHeldByCurrentThread() : "a mover closes the gate under the lock";
        moving = true;
        final boolean nextPhaseIsEven = startEpoch < 0;
        final long initialStartValue = nextPhaseIsEven ? 0 : Long.MIN_VALUE;
        (nextPhaseIsEven ? EVEN_END : ODD_END).set(this, initialStartValue);
        final long startValueAtFlip = START.getAndSet(this, initialStartValue);
        enteredBeforePhase += startValueAtFlip - (nextPhaseIsEven ? Long.MIN_VALUE : 0); // the mover alone writes it
        if (oldPhaseEnd(nextPhaseIsEven) != startValueAtFlip) {
            waitForReaders(nextPhaseIsEven, startValueAtFlip);
        }
    }

    /** Lets readers in again. */
    @Override
    public void open() {
        assert moverLock == null || moverLock.isHeldByCurrentThread() : "a mover opens the gate under the lock";
        moving = false;
    }

    private long oldPhaseEnd(final boolean nextPhaseIsEven) {
        return nextPhaseIsEven ? oddEndEpoch : evenEndEpoch;
    }

    private void waitForReaders(final boolean nextPhaseIsEven, final long startValueAtFlip) {
        final WaitListener hook = listener;
        tell(hook, -1);
        final long startNanos = System.nanoTime();
        boolean reported = false;
        boolean interrupted = false;
        long parkNanos = MIN_PARK_NANOS;
        int spins = 0;
        while (oldPhaseEnd(nextPhaseIsEven) != startValueAtFlip) {
            if (spins < SPINS) {
                spins++;
                Thread.onSpinWait();
                continue;
            }
            LockSupport.parkNanos(parkNanos);
            parkNanos = Math.min(MAX_PARK_NANOS, 2 * parkNanos);
            interrupted |= Thread.interrupted();
            final long waitedNanos = System.nanoTime() - startNanos;
            if (!reported && waitedNanos >= longWaitNanos) {
                reported = true;
                tell(hook, waitedNanos);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Tells {@code hook} that the mover waits ({@code waitedNanos} negative) or has waited long.
     * What the listener throws (a log handler that fails, say) is dropped: a close abandoned half
     * way would leave the gate shut for good and the phases out of step, and the report is advice.
     */
    private static void tell(final WaitListener hook, final long waitedNanos) {
        try {
            if (waitedNanos < 0) {
                hook.moverWaits();
            } else {
                hook.moverWaitsLong(waitedNanos);
            }
        } catch (final RuntimeException | Error listenerFailed) {
            // dropped: see above
        }
    }

    /** A reader turned back by a move: waits until {@link #open()}. */
    private void waitForOpen() {
        boolean interrupted = false;
        long parkNanos = MIN_PARK_NANOS;
        int spins = 0;
        while (moving) {
            if (spins < SPINS) {
                spins++;
                Thread.onSpinWait();
                Thread.yield();
                continue;
            }
            LockSupport.parkNanos(parkNanos);
            parkNanos = Math.min(MAX_PARK_NANOS, 2 * parkNanos);
            interrupted |= Thread.interrupted();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
