package io.vmarena;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReadPhaser} on its own, in the spirit of jcstress (not a dependency): many short trials,
 * each starting its actors together (three readers entering and leaving, one mover closing and
 * opening the gate), each checking the guarantee on every step, with the outcomes counted.
 *
 * <p>The guarantee: while the mover holds the gate (between {@code close()} returning and
 * {@code open()}), no reader is inside. The mover checks that the count of readers inside is 0
 * and changes a two-field "base" with plain writes; each reader, inside, checks that the gate is
 * not held and that it sees both fields equal (a reader inside during the change, or one that let
 * in after close() without the mover's writes visible, would see them differ). Bounded by trials,
 * never by time.
 */
class ReadPhaserStressTest {
    private static final int TRIALS = 3_000;
    private static final int READERS = 3;
    private static final int SECTIONS_PER_READER = 40;
    private static final int MOVES_PER_TRIAL = 8;
    /** Busy work inside a section and between moves, so that actors overlap on two cores. */
    private static final int WORK_SPINS = 256;

    /** A new gate for each trial, set by the start barrier's action (which happens-before every actor goes on). */
    private ReadPhaser phaser;
    private final AtomicInteger readersInside = new AtomicInteger();
    private final AtomicLong violations = new AtomicLong();
    private final AtomicReference<String> firstViolation = new AtomicReference<>();
    private volatile boolean held;
    /** Changed only while the gate is held; plain, so only the phaser orders them. */
    private long baseLow;
    private long baseHigh;
    /** Outcomes: a mover that found readers inside; a reader that entered while a move was pending. */
    private final AtomicLong moverWaited = new AtomicLong();
    private final AtomicLong readerOverlappedMove = new AtomicLong();
    private final AtomicLong readerWaited = new AtomicLong();
    private final AtomicLong trials = new AtomicLong();
    private final AtomicLong sections = new AtomicLong();
    private volatile long movesDone;

    @Test
    void shouldKeepEveryReaderOutWhileTheMoverHoldsTheGate() throws Exception {
        final CyclicBarrier start = new CyclicBarrier(READERS + 1, this::newTrial);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> actors = new ArrayList<>();
        for (int reader = 0; reader < READERS; reader++) {
            actors.add(actor("reader-" + reader, start, failure, this::readerTrial));
        }
        actors.add(actor("mover", start, failure, this::moverTrial));
        actors.forEach(Thread::start);
        for (final Thread actor : actors) {
            actor.join();
        }

        System.out.printf("ReadPhaser stress: %d trials, %d sections, %d moves; outcomes: the mover waited for "
            + "readers %d times, a reader waited for the mover %d times, a move ran while a reader was between "
            + "its entry and its check %d times; violations %d%n", trials.get(), sections.get(), movesDone,
            moverWaited.get(), readerWaited.get(), readerOverlappedMove.get(), violations.get());
        assertEquals(null, failure.get(), "an actor failed");
        assertEquals(0, violations.get(), firstViolation::get);
        assertEquals((long)TRIALS * READERS * SECTIONS_PER_READER, sections.get());
        assertEquals((long)TRIALS * MOVES_PER_TRIAL, movesDone);
        assertTrue(moverWaited.get() > 0, "no trial had the mover wait for a reader: the races were not exercised");
        assertTrue(readerWaited.get() > 0, "no trial had a reader wait for the mover: the races were not exercised");
    }

    private void newTrial() {
        trials.incrementAndGet();
        phaser = new ReadPhaser();
        phaser.listener(new ReadPhaser.WaitListener() {
            @Override
            public void moverWaits() {
                moverWaited.incrementAndGet();
            }
        });
    }

    private void readerTrial() {
        for (int step = 0; step < SECTIONS_PER_READER; step++) {
            final long movesBefore = movesDone;
            if (phaser.closing()) {
                readerWaited.incrementAndGet(); // it will wait in enter(), or has just missed the move
            }
            final long token = phaser.enter();
            readersInside.incrementAndGet();
            if (held) {
                violation("a reader is inside while the mover holds the gate");
            }
            final long low = baseLow;
            final long high = baseHigh;
            if (low != high) {
                violation("a reader saw the base half changed: " + low + " and " + high);
            }
            work();
            if (movesDone != movesBefore) {
                readerOverlappedMove.incrementAndGet();
            }
            readersInside.decrementAndGet();
            phaser.exit(token);
            sections.incrementAndGet();
        }
    }

    private void moverTrial() {
        for (int move = 0; move < MOVES_PER_TRIAL; move++) {
            phaser.close();
            held = true;
            if (readersInside.get() != 0) {
                violation(readersInside.get() + " readers inside once close() returned");
            }
            baseLow++;
            Thread.onSpinWait();
            baseHigh++;
            held = false;
            movesDone++; // only the mover writes it
            phaser.open();
            work();
        }
    }

    private static void work() {
        for (int spin = 0; spin < WORK_SPINS; spin++) {
            Thread.onSpinWait();
        }
    }

    private void violation(final String what) {
        violations.incrementAndGet();
        firstViolation.compareAndSet(null, what);
    }

    /** Runs {@code trial} {@link #TRIALS} times, each started together with the other actors. */
    private static Thread actor(final String name, final CyclicBarrier start, final AtomicReference<Throwable> failure,
        final Runnable trial) {
        return new Thread(() -> {
            try {
                for (int index = 0; index < TRIALS; index++) {
                    start.await(60, TimeUnit.SECONDS);
                    trial.run();
                }
            } catch (final InterruptedException | BrokenBarrierException | TimeoutException | RuntimeException
                | AssertionError thrown) {
                failure.compareAndSet(null, thrown);
                start.reset();
            }
        }, name);
    }
}
