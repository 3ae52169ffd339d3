package io.vmarena;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The read sections of one arena: each thread's {@link ThreadSections}, and a registry of the
 * threads that have opened one, so a mover that waits long can name who holds it off.
 *
 * <p>A shared arena keeps one {@code ThreadSections} per thread in a {@link ThreadLocal}; a
 * thread joins the registry on its first section (the only allocation, with the pool's first
 * objects), never on the read path after. The registry drops threads that have ended outside
 * any section when it fills, so it holds the live threads that read the arena plus the dead ones
 * that left a section open. A confined arena has one {@code ThreadSections}, its owner's, and no
 * registry (no other thread can hold a move off).
 */
final class ReadSections {
    private final String arenaName;
    private final ThreadSections confined;
    private final ThreadLocal<ThreadSections> perThread;
    /** Guarded by this. */
    private ThreadSections[] registry = new ThreadSections[8];
    /** Guarded by this. */
    private int registered;

    /** The sections of a shared arena whose gate is {@code phaser}. */
    ReadSections(final String arenaName, final ReadPhaser phaser) {
        this.arenaName = arenaName;
        this.confined = null;
        this.perThread = ThreadLocal.withInitial(() -> new ThreadSections(Thread.currentThread(), arenaName, phaser));
    }

    /** The sections of a confined arena, owned by {@code owner}. */
    ReadSections(final String arenaName, final Thread owner) {
        this.arenaName = arenaName;
        this.confined = new ThreadSections(owner, arenaName, null);
        this.perThread = null;
    }

    /** Opens a section for the calling thread (in a confined arena, the caller checked it is the owner). */
    ReadSection open() {
        final ThreadSections own = mine();
        if (!own.registered && perThread != null) {
            register(own);
        }
        return own.open();
    }

    /** Whether the calling thread is inside a section of this arena. */
    boolean callerInside() {
        return mine().hasOpenSection();
    }

    private ThreadSections mine() {
        return perThread != null ? perThread.get() : confined;
    }

    private synchronized void register(final ThreadSections own) {
        if (registered == registry.length) {
            dropEndedThreads();
            if (registered > registry.length / 2) {
                registry = Arrays.copyOf(registry, 2 * registry.length);
            }
        }
        registry[registered++] = own;
        own.registered = true;
    }

    /** Forgets threads that ended with no section open; keeps those that left one open, to report them. */
    private void dropEndedThreads() {
        int kept = 0;
        for (int index = 0; index < registered; index++) {
            final ThreadSections sections = registry[index];
            if (sections.thread().isAlive() || sections.inside()) {
                registry[kept++] = sections;
            }
        }
        Arrays.fill(registry, kept, registered, null);
        registered = kept;
    }

    /**
     * The threads inside a section of this arena now, as far as this thread can tell: for a
     * report, so each is named with its state ("terminated" for one that ended inside).
     */
    synchronized List<String> describeThreadsInside() {
        final List<String> inside = new ArrayList<>();
        for (int index = 0; index < registered; index++) {
            final ThreadSections sections = registry[index];
            if (sections.inside()) {
                final Thread thread = sections.thread();
                inside.add("'" + thread.getName() + "' (id " + thread.getId() + ", " + (thread.isAlive()
                    ? thread.getState().name() : "terminated: it ended without closing its section") + ")");
            }
        }
        return inside;
    }

    /**
     * Closes the sections of the threads that ended inside one: for tests only (see
     * {@link ThreadSections#closeAfterThreadEnded()}).
     *
     * @return how many threads had sections open
     */
    synchronized int closeSectionsOfEndedThreads() {
        int closed = 0;
        for (int index = 0; index < registered; index++) {
            final ThreadSections sections = registry[index];
            if (!sections.thread().isAlive() && sections.closeAfterThreadEnded()) {
                closed++;
            }
        }
        return closed;
    }

    String arenaName() {
        return arenaName;
    }
}
