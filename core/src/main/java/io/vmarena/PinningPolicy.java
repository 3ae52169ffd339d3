package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.LockBudget;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Pins the process's hottest shared arenas within its locked-memory budget, and unpins the ones
 * that do not fit or have gone cold. Arenas are registered with a priority; every
 * {@link Builder#period period} a round ranks them (priority first, then activity in the last
 * period: segments claimed and read sections entered) and shares the budget out in rank order,
 * with {@link Arena#pin()}'s MLOCK_ONFAULT, so nothing is faulted in up front.
 *
 * <pre>
 * try (PinningPolicy policy = PinningPolicy.builder().budgetBytes(1L &lt;&lt; 30).build()) {
 *     policy.register(orders, 10);   // shared arenas only
 *     policy.register(cache, 1);
 *     ...                            // each period: the hottest pinned, cold ones unpinned
 * }
 * </pre>
 *
 * <h2>The budget</h2>
 * The smaller of {@link Builder#budgetBytes} and RLIMIT_MEMLOCK's soft limit (no limit while the
 * process holds CAP_IPC_LOCK), minus what the process has locked besides the registered arenas
 * (VmLck less their locked bytes). The limit is read again each round (one {@code getrlimit}):
 * a {@code prlimit} from outside takes effect at the next round. Every registered arena must live
 * in the same address space (the process's): the first one registered fixes it.
 *
 * <h2>What the arenas see</h2>
 * A registered arena's pin belongs to the policy: each round pins it, in part or whole, or unpins
 * it, and its {@link Arena#stats()} say why ({@code "pinned by policy: rank 2 of 5, priority
 * 10, ..."}). Each decision is also a JFR event {@code io.vmarena.Pin} and an element of what
 * {@link #decide()} returns. A pin the kernel refuses leaves the arena working, unpinned or in
 * part (see {@link Arena#pin()}); the next round tries again.
 *
 * <h2>Threads and lifetime</h2>
 * Thread-safe; one round at a time ({@link #decide()} waits for a round under way, and a round
 * may wait for an arena's lock, behind a compaction slice say). Arenas are held weakly: the policy
 * never keeps one reachable, and a closed or collected arena leaves the registry at the next
 * round without being touched. {@link #close()} stops the rounds (and the policy's own thread),
 * waits for one under way, and leaves every arena as the last round left it; a policy dropped
 * without close() ends its rounds once the garbage collector finds it.
 */
public final class PinningPolicy implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger("io.vmarena.PinningPolicy");

    private final long capBytes;
    private final Duration period;
    private final int coldAfterPeriods;
    private final ScheduledExecutorService scheduler;
    private final boolean ownScheduler;
    /**
     * Held while an arena is checked for another policy and registered, across every policy, so
     * two policies never both take the same arena; outside every policy's {@code entries} lock.
     */
    private static final Object CLAIMS = new Object();
    private final CopyOnWriteArrayList<PinEntry> entries = new CopyOnWriteArrayList<>();
    /** Held by a round, and by unregister() so that no round pins an arena after it left. */
    private final Object rounds = new Object();
    /** The address space every registered arena lives in (its identity), set by the first. */
    private Object budgetKey;
    private Supplier<LockBudget> budgetSource;
    private long registrations;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> future;
    /** Tests' hook: runs on the round's thread with an arena's name before it is pinned or unpinned. */
    volatile Consumer<String> beforeApplying = name -> { };
    /** Whether the last periodic round failed: a failure that repeats is logged once. */
    private boolean failing;

    private PinningPolicy(final Builder builder) {
        capBytes = builder.budgetBytes;
        period = builder.period;
        coldAfterPeriods = builder.coldAfterPeriods;
        ownScheduler = builder.scheduler == null && !builder.manual;
        scheduler = ownScheduler ? ownScheduler() : builder.scheduler;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The configured cap in bytes ({@link Long#MAX_VALUE}: none of its own). */
    public long budgetBytes() {
        return capBytes;
    }

    public Duration period() {
        return period;
    }

    /** After how many periods without activity an arena is cold. */
    public int coldAfter() {
        return coldAfterPeriods;
    }

    /**
     * Puts a shared arena under the policy, or changes its priority if it is already: higher
     * priorities are pinned first, whatever their activity. The arena's pin is the policy's from
     * the next round on.
     *
     * @throws IllegalArgumentException when the arena is confined (the policy pins from its own
     *     thread, which a confined arena refuses), closed, lives in another address space than
     *     the arenas registered before, or is registered with another open policy (whose rounds
     *     would undo this one's pins)
     * @throws IllegalStateException when the policy is closed, or the caller is inside one of
     *     the arena's read sections (registering reads the arena's counters under its lock)
     */
    public void register(final Arena arena, final int priority) {
        Objects.requireNonNull(arena, "arena");
        ensureCallerFree("register");
        if (arena.threading() != Threading.SHARED) {
            throw new IllegalArgumentException("arena '" + arena.name() + "' is confined to one thread, and the "
                + "policy pins and unpins from its own: build it with threading(Threading.SHARED), or pin it from its "
                + "owner thread with arena.pin()");
        }
        final AddressSpace space = arena.addressSpace();
        register(arena, new ArenaPinnable(arena), priority, space, space::lockBudget);
    }

    /** For tests: any {@link Pinnable}, whose lock budget comes from {@code budgetSource}. */
    void register(final Object key, final Pinnable target, final int priority, final Object space,
        final Supplier<LockBudget> source) {
        ensureOpen("register");
        // Read outside the registry's lock: it takes the arena's lock, which a mover may hold
        // while it waits for a section whose thread then calls the policy.
        final Pinnable.Figures figures;
        try {
            figures = target.figures();
        } catch (final IllegalStateException closedMeanwhile) {
            if (target.isOpen()) {
                throw closedMeanwhile; // from inside one of its read sections: the message says so
            }
            throw new IllegalArgumentException("arena '" + target.name() + "' is closed: register an open arena",
                closedMeanwhile);
        }
        synchronized (CLAIMS) {
            synchronized (entries) {
                if (!target.isOpen()) {
                    throw new IllegalArgumentException("arena '" + target.name() + "' is closed: register an open arena");
                }
                if (budgetKey != null && budgetKey != space) {
                    throw new IllegalArgumentException("arena '" + target.name() + "' lives in another address space "
                        + "than the arenas this policy pins: a budget is per process; give each address space its "
                        + "own policy");
                }
                final PinEntry known = find(key);
                if (known != null) {
                    known.priority = priority;
                    return;
                }
                if (key instanceof Arena) {
                    claim((Arena)key, target.name());
                }
                budgetKey = space;
                budgetSource = source;
                entries.add(new PinEntry(key, target, priority, registrations++, figures));
            }
        }
    }

    /**
     * Makes this policy the arena's, unless another open policy holds it: two policies would undo
     * each other's pins every round (one pins within its budget, the other unpins for its own),
     * and each would count the other's locked bytes as locked besides its arenas.
     */
    private void claim(final Arena arena, final String name) {
        final PinningPolicy owner = arena.pinningPolicy();
        if (owner != null && owner != this && owner.holds(arena)) {
            throw new IllegalArgumentException("arena '" + name + "' is registered with another pinning policy, "
                + "whose rounds pin and unpin it: two policies would undo each other's pins every round; "
                + "unregister it from that policy (or close that policy) first, or use one policy per process");
        }
        arena.pinningPolicy(this);
    }

    /** Whether this policy is open and has {@code key} registered (no lock: the registry is copy-on-write). */
    private boolean holds(final Object key) {
        return !closed && find(key) != null;
    }

    /**
     * Takes an arena from the policy and unpins it, if it is open and the policy pinned it
     * (waits for a round under way). Nothing happens for an arena not registered.
     */
    public void unregister(final Arena arena) {
        Objects.requireNonNull(arena, "arena");
        ensureCallerFree("unregister");
        unregister((Object)arena);
    }

    /** For tests: any registered key. */
    void unregister(final Object key) {
        final PinEntry entry;
        synchronized (entries) {
            entry = find(key);
            if (entry == null) {
                return;
            }
            entries.remove(entry);
        }
        synchronized (rounds) {
            entry.unpinIfPinned("taken from its pinning policy");
        }
    }

    /**
     * Refuses a call from inside a read section of a registered arena, or from a thread holding
     * its lock (a relocation listener): it could wait for a round under way, which waits for that
     * arena's lock, which its mover holds while it waits for that very section.
     */
    private void ensureCallerFree(final String operation) {
        final List<PinEntry> registered;
        synchronized (entries) {
            registered = List.copyOf(entries);
        }
        for (final PinEntry entry : registered) {
            if (entry.target.callerBusy()) {
                throw new IllegalStateException("a pinning policy's " + operation + "() from inside a read section "
                    + "of arena '" + entry.target.name() + "' (or a call of it under way, such as a relocation "
                    + "listener): a round may be waiting for that arena's lock, which a move holds while it waits "
                    + "for this section; call it outside the section");
            }
        }
    }

    private PinEntry find(final Object key) {
        for (final PinEntry entry : entries) {
            if (entry.is(key)) {
                return entry;
            }
        }
        return null;
    }

    /**
     * Runs one round now and returns its decisions in rank order, then those for arenas that left
     * the registry (closed or collected). Without a scheduler ({@link Builder#manual()}) this is
     * the only way rounds run.
     *
     * @throws IllegalStateException when the policy is closed, or the caller is inside a read
     *     section of a registered arena or in a call of one under way (a relocation listener): a
     *     round may wait for that arena's lock, which its mover holds while it waits for the section
     */
    public List<PinDecision> decide() {
        ensureOpen("decide");
        ensureCallerFree("decide");
        synchronized (rounds) {
            ensureOpen("decide"); // closed while this call waited: close() promised no more rounds
            return round();
        }
    }

    private List<PinDecision> round() {
        final Supplier<LockBudget> source;
        synchronized (entries) {
            source = budgetSource;
        }
        final PinRound round = new PinRound(List.copyOf(entries), capBytes, coldAfterPeriods, source,
            beforeApplying);
        final List<PinDecision> decisions = round.run();
        entries.removeAll(round.departed());
        return decisions;
    }

    /** The periodic round: a failure is logged (once while it repeats), and the next period tries again. */
    private void periodically() {
        if (closed) {
            return;
        }
        try {
            synchronized (rounds) {
                if (!closed) {
                    round();
                }
                failing = false;
            }
        } catch (final RuntimeException | Error failed) {
            // Left to escape, the scheduler would end the periodic task silently.
            synchronized (rounds) {
                if (!failing) {
                    failing = true;
                    LOGGER.log(System.Logger.Level.WARNING, "a pinning policy round failed (" + failed.getMessage()
                        + "); arenas keep their pins, and the next period tries again", failed);
                }
            }
        }
    }

    /**
     * Stops the rounds, and the policy's own thread if it has one (a scheduler given is the
     * caller's: only the policy's task is cancelled), and waits for a round under way: once it
     * returns no round pins or unpins anything, so an arena unpinned after close() stays so.
     * Every arena keeps what the last round left it; unpin or close them as you need. Closing
     * twice does nothing. Called from inside a read section of a registered arena (or a call of
     * one under way, such as a relocation listener) it does not wait: the round may be waiting
     * for that arena's lock, which a move holds while it waits for that very section.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        final ScheduledFuture<?> scheduled = future;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        if (ownScheduler) {
            scheduler.shutdown(); // a round under way finishes; its thread ends after
        }
        if (!callerBusy()) {
            synchronized (rounds) {
                // Nothing to do: holding the lock means the round under way, if any, has finished.
            }
        }
    }

    /** Whether the caller is inside a read section of a registered arena, or holds its lock. */
    private boolean callerBusy() {
        for (final PinEntry entry : entries) {
            if (entry.target.callerBusy()) {
                return true;
            }
        }
        return false;
    }

    /** Where rounds run (the policy's own thread's executor, or the caller's), null for manual(): for tests. */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    private void ensureOpen(final String operation) {
        if (closed) {
            throw new IllegalStateException(operation + ": the pinning policy is closed; build a new one");
        }
    }

    private void start() {
        if (scheduler == null) {
            return;
        }
        final long periodNanos = period.toNanos();
        final Rounds task = new Rounds(this, ownScheduler ? scheduler : null);
        try {
            future = scheduler.scheduleWithFixedDelay(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
            task.future = future;
        } catch (final RejectedExecutionException refused) {
            throw new IllegalArgumentException("the pinning policy's scheduler refused its task (is it shut down?): "
                + "give a running scheduler, none for the policy's own thread, or manual() for rounds by decide()",
                refused);
        }
    }

    /**
     * The periodic task. It holds the policy weakly, so that a policy dropped without close() is
     * still collected: its task then ends, and its own thread with it.
     */
    private static final class Rounds implements Runnable {
        private final WeakReference<PinningPolicy> policy;
        /** The policy's own scheduler, shut down when the policy is collected; null for the caller's. */
        private final ScheduledExecutorService own;
        volatile ScheduledFuture<?> future;

        Rounds(final PinningPolicy policy, final ScheduledExecutorService own) {
            this.policy = new WeakReference<>(policy);
            this.own = own;
        }

        @Override
        public void run() {
            final PinningPolicy target = policy.get();
            if (target != null) {
                target.periodically();
                return;
            }
            final ScheduledFuture<?> scheduled = future;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            if (own != null) {
                own.shutdown();
            }
        }
    }

    private static ScheduledExecutorService ownScheduler() {
        final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            final Thread thread = new Thread(runnable, "vmarena-pinner");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // close() ends the thread at once
        return executor;
    }

    /** How a policy is built; every setting has a default. */
    public static final class Builder {
        private static final Duration LONGEST_PERIOD = Duration.ofNanos(Long.MAX_VALUE);

        private long budgetBytes = Long.MAX_VALUE;
        private Duration period = Duration.ofSeconds(1);
        private int coldAfterPeriods = 10;
        private ScheduledExecutorService scheduler;
        private boolean manual;

        private Builder() {
        }

        /**
         * The most the policy pins, in bytes, besides RLIMIT_MEMLOCK; default no cap of its own.
         * 0 pins nothing (every registered arena is unpinned).
         *
         * @throws IllegalArgumentException when negative
         */
        public Builder budgetBytes(final long value) {
            if (value < 0) {
                throw new IllegalArgumentException("budgetBytes must not be negative (0 pins nothing; Long.MAX_VALUE "
                    + "leaves the budget to RLIMIT_MEMLOCK), got " + value);
            }
            budgetBytes = value;
            return this;
        }

        /**
         * How often a round runs; default 1 s.
         *
         * @throws IllegalArgumentException when not positive, or longer than {@link Long#MAX_VALUE}
         *     nanoseconds (about 292 years: the scheduler counts in nanoseconds)
         */
        public Builder period(final Duration value) {
            Objects.requireNonNull(value, "period");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("period must be positive, got " + value);
            }
            if (value.compareTo(LONGEST_PERIOD) > 0) {
                // build() would fail in Duration.toNanos() with a bare "long overflow".
                throw new IllegalArgumentException("period must be at most " + LONGEST_PERIOD + " (Long.MAX_VALUE "
                    + "nanoseconds), got " + value + "; for no periodic rounds at all use manual() and decide()");
            }
            period = value;
            return this;
        }

        /**
         * An arena with no activity (no segment claimed, no read section entered) for this many
         * periods in a row is cold and unpinned, whatever its priority; default 10.
         *
         * @throws IllegalArgumentException when less than 1
         */
        public Builder coldAfter(final int periods) {
            if (periods < 1) {
                throw new IllegalArgumentException("coldAfter must be at least 1 period, got " + periods);
            }
            coldAfterPeriods = periods;
            return this;
        }

        /**
         * Where rounds run; default one daemon thread, {@code vmarena-pinner}, that
         * {@link PinningPolicy#close()} stops. A scheduler given is the caller's: never shut down
         * here; if it is shut down, rounds stop, and {@link PinningPolicy#decide()} still works.
         */
        public Builder scheduler(final ScheduledExecutorService value) {
            scheduler = Objects.requireNonNull(value, "scheduler");
            manual = false;
            return this;
        }

        /** No periodic rounds: they run when {@link PinningPolicy#decide()} is called. */
        public Builder manual() {
            manual = true;
            scheduler = null;
            return this;
        }

        /**
         * @throws IllegalArgumentException when the scheduler given refuses the task
         */
        public PinningPolicy build() {
            final PinningPolicy policy = new PinningPolicy(this);
            policy.start();
            return policy;
        }
    }
}
