package io.vmarena;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One thread's read sections of one arena: how many are open, the phaser token of the outermost,
 * and a pool of the {@link ReadSection} objects it hands out, so that a section allocates nothing
 * once the thread has nested as deep before. Touched only by its thread, except {@link #inside()}
 * and {@link #thread()}, which a mover's report of a long wait reads from another.
 *
 * <pre>
 *   pool:  [ open | open | open | free | free ]
 *            0      1      2      ^ openCount
 * </pre>
 *
 * A section that closes swaps places with the last open one, so opening and closing in any order
 * are O(1), and the thread leaves the phaser when the count reaches 0, whichever section was
 * last. Holds no reference to the arena: a thread's ThreadLocal value must not keep an arena the
 * program dropped reachable.
 */
final class ThreadSections {
    private static final VarHandle INSIDE;

    static {
        try {
            INSIDE = MethodHandles.lookup().findVarHandle(ThreadSections.class, "inside", boolean.class);
        } catch (final ReflectiveOperationException impossible) {
            throw new ExceptionInInitializerError(impossible);
        }
    }

    private final Thread thread;
    private final String arenaName;
    /** The shared arena's gate; null for a confined arena, whose sections hold nothing off. */
    private final ReadPhaser phaser;
    private ReadSection[] pool = new ReadSection[0];
    private int openCount;
    private long token;
    /** Whether the thread is inside a section; written on its outermost enter and exit only. */
    @SuppressWarnings("unused") // through INSIDE
    private boolean inside;
    /** Whether the arena's registry of section owners knows this thread (see ReadSections). */
    boolean registered;

    ThreadSections(final Thread thread, final String arenaName, final ReadPhaser phaser) {
        this.thread = thread;
        this.arenaName = arenaName;
        this.phaser = phaser;
    }

    Thread thread() {
        return thread;
    }

    /** Whether the thread has an open section; from any thread (the value may lag a little). */
    boolean inside() {
        return (boolean)INSIDE.getAcquire(this);
    }

    /** On its own thread: whether it has a section open. */
    boolean hasOpenSection() {
        return openCount > 0;
    }

    /** Opens a section on the calling thread, which must be this object's thread. */
    ReadSection open() {
        if (openCount == pool.length) {
            grow();
        }
        if (openCount == 0 && phaser != null) {
            token = phaser.enter(); // may wait for a move; nothing has changed yet
            INSIDE.setRelease(this, true);
        }
        final ReadSection section = pool[openCount++];
        section.open = true;
        return section;
    }

    void close(final ReadSection section) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("a read section of arena '" + arenaName + "' belongs to thread '"
                + thread.getName() + "', which opened it, and thread '" + Thread.currentThread().getName()
                + "' tried to close it: close a section on the thread that opened it (try-with-resources does); "
                + "the section stays open");
        }
        if (!section.open) {
            return;
        }
        section.open = false;
        final int last = --openCount;
        final ReadSection lastOpen = pool[last];
        pool[section.position] = lastOpen;
        lastOpen.position = section.position;
        pool[last] = section;
        section.position = last;
        if (last == 0 && phaser != null) {
            INSIDE.setRelease(this, false);
            phaser.exit(token);
        }
    }

    /**
     * Closes the sections of a thread that has ended inside them (its token leaves the phaser),
     * from another thread. The arena never calls it (see {@link MoveWaitReporter} for why a
     * section is not taken from its thread); tests use it to let a mover they held off finish.
     *
     * @return whether it had a section open
     */
    boolean closeAfterThreadEnded() {
        if (thread.isAlive()) { // its end happens-before isAlive() returns false: its writes are visible
            throw new IllegalStateException("thread '" + thread.getName() + "' is alive: only it may close its "
                + "sections");
        }
        if (openCount == 0) {
            return false;
        }
        for (int position = 0; position < openCount; position++) {
            pool[position].open = false;
        }
        openCount = 0;
        INSIDE.setRelease(this, false);
        if (phaser != null) {
            phaser.exit(token);
        }
        return true;
    }

    private void grow() {
        final int from = pool.length;
        pool = Arrays.copyOf(pool, Math.max(2, 2 * from));
        for (int position = from; position < pool.length; position++) {
            pool[position] = new ReadSection(this, position);
        }
    }
}
