package io.vmarena;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Gives back the memory of an arena that became unreachable without {@link Arena#close()}:
 * unmaps what it owns of its range, ends its lease, releases its tag and reports the leak
 * ({@link ArenaLeaks}). Registered with one {@link Cleaner} for all arenas (thread
 * {@code vmarena-cleaner}); it references the arena's range, segments, tag and lock, never the
 * arena, or the arena would never become unreachable.
 *
 * <p>Why this is safe. An unreachable arena has no caller: no thread can call it again, and
 * no read section of it is open in a live sense, since an open {@link ReadSection} references
 * its arena until it closes (a section dropped without close() leaves the phaser waiting
 * forever, which is why the cleaner unmaps without passing the move gate, which would wait for
 * it). A call in progress keeps its arena reachable until it returns: every call that touches
 * the range ends with a reachability fence (a shared arena's after it unlocks: without it the JIT
 * may drop {@code this} once it has loaded the final lock field, and a move stuck waiting for a
 * dead thread's section would let the arena be collected while it holds the lock, leaving the
 * one cleaner thread of the process waiting for it for good); and the cleaner takes a shared
 * arena's lock first (that also makes the last change's writes to the range visible here). For a confined
 * arena the garbage collector's safepoint, which every thread passed after the owner's last
 * call, publishes the range's state. What stays unsafe is what the API documents: an address
 * used after its arena can no longer be reached reads unmapped memory.
 *
 * <p>{@link #claim()} decides who releases the memory, exactly once: {@code close()} or the
 * cleaner.
 */
final class ArenaCleanup implements Runnable {
    private static final Cleaner CLEANER = Cleaner.create(runnable -> new Thread(runnable, "vmarena-cleaner"));

    private final String arenaName;
    private final ArenaRange range;
    private final Segments segments;
    private final int tag;
    private final ReentrantLock lock;
    private final Throwable builtAt;
    private final ArenaLeaks reporter;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private Cleaner.Cleanable cleanable;
    /** The arena's JMX bean, or null: unregistered with the release, whoever releases. */
    private volatile ArenaJmx jmx;

    private ArenaCleanup(final String arenaName, final ArenaRange range, final Segments segments, final int tag,
        final ReentrantLock lock) {
        this.arenaName = arenaName;
        this.range = range;
        this.segments = segments;
        this.tag = tag;
        this.lock = lock;
        this.reporter = ArenaLeaks.current();
        this.builtAt = reporter.buildSite(arenaName);
    }

    /**
     * Releases {@code arena}'s memory if it becomes unreachable before {@link #claim()}.
     *
     * @param lock the shared arena's lock, or null for a confined arena
     */
    static ArenaCleanup register(final Arena arena, final String arenaName, final ArenaRange range,
        final Segments segments, final int tag, final ReentrantLock lock) {
        final ArenaCleanup cleanup = new ArenaCleanup(arenaName, range, segments, tag, lock);
        cleanup.cleanable = CLEANER.register(arena, cleanup);
        return cleanup;
    }

    /** The arena's JMX bean, registered once the arena is built: unregistered on its release. */
    void jmx(final ArenaJmx bean) {
        jmx = bean;
    }

    /** Unregisters the JMX bean, if any; idempotent (a failed close is retried). */
    private void unregisterJmx() {
        final ArenaJmx bean = jmx;
        if (bean != null) {
            jmx = null;
            bean.unregister();
        }
    }

    /**
     * Claims the release for {@code close()}, unregisters the JMX bean, and stops watching the arena.
     *
     * @return false when another thread claimed it first (a confined arena whose owner ended
     *     may be closed by any thread, so by two at once)
     */
    boolean claim() {
        unregisterJmx(); // before anything that may fail: a failed arena's close unregisters too
        if (!claimed.compareAndSet(false, true)) {
            return false;
        }
        cleanable.clean();
        return true;
    }

    /** The cleaner's action: the arena is unreachable and was never closed. */
    @Override
    public void run() {
        if (!claimed.compareAndSet(false, true)) {
            return; // closed, or being closed: claim() called clean()
        }
        unregisterJmx();
        if (lock != null) {
            lock.lock();
        }
        final long baseAddress;
        final long reservedBytes;
        RuntimeException failure = null;
        try {
            baseAddress = range.base();
            reservedBytes = range.reservedBytes();
            ArenaTags.release(tag);
            try {
                range.closeUnreachable(segments.ownedStretches());
            } catch (final RuntimeException refused) {
                failure = refused; // e.g. its address space was closed first; nothing else to do
            }
        } finally {
            if (lock != null) {
                lock.unlock();
            }
        }
        reporter.leaked(arenaName, baseAddress, reservedBytes, builtAt, failure);
    }
}
