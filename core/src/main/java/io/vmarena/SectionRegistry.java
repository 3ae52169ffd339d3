package io.vmarena;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The threads that have opened a read section of one shared arena, so a mover that waits long
 * can name who holds it off. A thread joins on its first section (an allocation, with its pool's
 * first objects), never on the read path after. Ended threads with no section open are dropped
 * when the registry fills, so it holds the live threads that read the arena plus the dead ones
 * that left a section open.
 *
 * <p>Apart from {@link ReadSections} so that the chain a thread's sections keep alive (its
 * {@link ThreadSections}, the gate, the gate's {@link MoveWaitReporter}, this registry) never
 * reaches the arena's {@link ThreadLocal}: a ThreadLocal reachable from its own value is never
 * collected, and every thread that ever used an arena would keep that arena's bookkeeping for as
 * long as the thread lives, however many arenas it built and closed.
 */
final class SectionRegistry {
    private final String arenaName;
    /** Guarded by this. */
    private ThreadSections[] registry = new ThreadSections[8];
    /** Guarded by this. */
    private int registered;

    SectionRegistry(final String arenaName) {
        this.arenaName = arenaName;
    }

    String arenaName() {
        return arenaName;
    }

    synchronized void register(final ThreadSections own) {
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
}
