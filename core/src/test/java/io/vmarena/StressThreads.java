package io.vmarena;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The threads of a stress test: each repeats its step, with a random of its own seed, until
 * stopped or until any of them fails; the first failure is kept and thrown when they are joined.
 */
final class StressThreads {
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    /** A thread named {@code name} that repeats {@code step}; started by {@link #start}. */
    void add(final String name, final long seed, final Consumer<SplittableRandom> step) {
        threads.add(new Thread(() -> {
            final SplittableRandom random = new SplittableRandom(seed);
            try {
                while (running && failure.get() == null) {
                    step.accept(random);
                }
            } catch (final Throwable thrown) {
                failure.compareAndSet(null, thrown);
            }
        }, name));
    }

    void start() {
        threads.forEach(Thread::start);
    }

    /** Whether a thread has failed (the run may end early). */
    boolean failed() {
        return failure.get() != null;
    }

    /** Stops the threads, waits for them, and throws the first failure any of them met. */
    void stopAndJoin() throws InterruptedException {
        running = false;
        for (final Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a thread failed", failure.get());
        }
    }
}
