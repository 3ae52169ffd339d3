package io.vmarena;

/**
 * The read sections of one arena: each thread's {@link ThreadSections}, and (shared arenas) the
 * {@link SectionRegistry} of the threads that have opened one, so a mover that waits long can
 * name who holds it off.
 *
 * <p>A shared arena keeps one {@code ThreadSections} per thread in a {@link ThreadLocal}; a
 * thread joins the registry on its first section (the only allocation, with the pool's first
 * objects), never on the read path after. Nothing a {@code ThreadSections} reaches references
 * this object (the registry is apart for that), so once the arena is unreachable its ThreadLocal
 * is collected and each thread's entry goes stale (the JDK expunges it); the thread that closes
 * the arena drops its own entry at once. A confined arena has one {@code ThreadSections}, its
 * owner's, and no registry (no other thread can hold a move off).
 */
final class ReadSections {
    private final ThreadSections confined;
    private final ThreadLocal<ThreadSections> perThread;
    /** The threads that opened a section (shared arenas); null when confined. */
    private final SectionRegistry registry;

    /** The sections of a shared arena whose gate is {@code phaser}. */
    ReadSections(final String arenaName, final ReadPhaser phaser) {
        this.confined = null;
        this.perThread = ThreadLocal.withInitial(() -> new ThreadSections(Thread.currentThread(), arenaName, phaser));
        this.registry = new SectionRegistry(arenaName);
    }

    /** The sections of a confined arena, owned by {@code owner}. */
    ReadSections(final String arenaName, final Thread owner) {
        this.confined = new ThreadSections(owner, arenaName, null);
        this.perThread = null;
        this.registry = null;
    }

    /** Opens a section for the calling thread (in a confined arena, the caller checked it is the owner). */
    ReadSection open() {
        final ThreadSections own = mine();
        if (!own.registered && perThread != null) {
            registry.register(own);
        }
        return own.open();
    }

    /** Whether the calling thread is inside a section of this arena. */
    boolean callerInside() {
        return mine().hasOpenSection();
    }

    /**
     * Drops the calling thread's sections of a closed shared arena, which it has none open of
     * (close is refused inside a section): its thread keeps nothing of the arena.
     */
    void forgetCaller() {
        if (perThread != null) {
            perThread.remove();
        }
    }

    private ThreadSections mine() {
        return perThread != null ? perThread.get() : confined;
    }

    /** The registry of a shared arena's section owners (null when confined), for its report of long waits. */
    SectionRegistry registry() {
        return registry;
    }

    /** See {@link SectionRegistry#closeSectionsOfEndedThreads()}: for tests only. */
    int closeSectionsOfEndedThreads() {
        return registry.closeSectionsOfEndedThreads();
    }
}
