package io.vmarena;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's read sections of one arena: how many are open, the phaser token of the outermost,
 * and the {@link ReadSection} objects it hands out, reused, so that a section allocates nothing
 * once the thread has nested as deep before. Touched only by its thread, except {@link #inside()}
 * and {@link #thread()}, which a mover's report of a long wait reads from another.
 *
 * <pre>
 *   free ring:  [ . . . | f1 f2 f3 ... fn | . . . ]     open sections are held by the caller only
 *                        ^ head (oldest)   tail: a section that closes goes here
 * </pre>
 *
 * Open and close are O(1) in any order, and the thread leaves the phaser when its open count
 * reaches 0, whichever section was last. The free objects form a FIFO ring that always holds
 * more than {@link #REUSE_DISTANCE} of them, so an object that closes is handed out again only
 * after the thread has opened {@code REUSE_DISTANCE} other sections of the arena: until then,
 * closing it again does nothing (a reference kept a little too long cannot close a later
 * section). Holds no reference to the arena: a thread's ThreadLocal value must not keep an arena
 * the program dropped reachable.
 */
final class ThreadSections {
    /** More open sections than any correct program nests: a loop that forgets to close them. */
    static final int MAX_OPEN_SECTIONS = 1 << 16;
    /** How many other sections a thread opens before an object it closed is handed out again. */
    static final int REUSE_DISTANCE = 16;
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
    /** The free objects, oldest first from freeHead; its length is a power of two. */
    private ReadSection[] free = new ReadSection[0];
    private int freeHead;
    private int freeCount;
    /** Every object this thread was handed: open ones and free ones. */
    private int objects;
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

    /**
     * Opens a section on the calling thread, which must be this object's thread.
     *
     * @throws IllegalStateException when the thread has {@link #MAX_OPEN_SECTIONS} open; nothing changes
     */
    ReadSection open() {
        if (freeCount <= REUSE_DISTANCE) {
            addObjects();
        }
        if (openCount == 0 && phaser != null) {
            token = phaser.enter(); // may wait for a move; nothing has changed yet
            INSIDE.setRelease(this, true);
        }
        final ReadSection section = free[freeHead];
        free[freeHead] = null;
        freeHead = (freeHead + 1) & (free.length - 1);
        freeCount--;
        openCount++;
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
        final Arena arena = section.arena;
        section.arena = null; // a free object in the ring must not keep the arena reachable
        free[(freeHead + freeCount) & (free.length - 1)] = section;
        freeCount++;
        if (--openCount == 0) {
            if (phaser != null) {
                INSIDE.setRelease(this, false);
                phaser.exit(token);
            } else if (arena != null) {
                arena.outermostSectionClosed(); // confined: its owner may change it again
            }
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
        openCount = 0; // its open objects stay marked open: only it could close them, and it has ended
        INSIDE.setRelease(this, false);
        if (phaser != null) {
            phaser.exit(token);
        }
        return true;
    }

    /**
     * Doubles the objects (the first time: makes the ring's minimum), keeping the free ones' order;
     * refuses a section past the most a thread may have open.
     */
    private void addObjects() {
        if (openCount >= MAX_OPEN_SECTIONS) {
            throw new IllegalStateException("thread '" + thread.getName() + "' has " + openCount + " read sections of "
                + "arena '" + arenaName + "' open: close each section (try-with-resources); moves wait until the "
                + "last one closes");
        }
        // At most MAX_OPEN_SECTIONS + REUSE_DISTANCE objects: the next open past the most comes here and is refused.
        final int added = Math.min(Math.max(REUSE_DISTANCE + 1, objects), MAX_OPEN_SECTIONS + REUSE_DISTANCE - objects);
        final ReadSection[] ring = new ReadSection[Integer.highestOneBit(objects + added - 1) << 1];
        for (int index = 0; index < freeCount; index++) {
            ring[index] = free[(freeHead + index) & (free.length - 1)];
        }
        for (int index = 0; index < added; index++) {
            ring[freeCount + index] = new ReadSection(this);
        }
        free = ring;
        freeHead = 0;
        freeCount += added;
        objects += added;
    }
}
