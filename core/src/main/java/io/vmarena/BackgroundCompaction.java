package io.vmarena;

import java.lang.ref.WeakReference;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The task a {@link CompactionPolicy} schedules for one shared arena: every period it asks the
 * arena whether a threshold is passed and, if so, runs one compaction slice. It references the
 * arena weakly (a dropped arena is still collected and its cleaner runs) and ends when the arena
 * is closed, collected, or a slice fails (reported once through {@link System.Logger}).
 */
final class BackgroundCompaction implements Runnable {
    private static final System.Logger LOGGER = System.getLogger("io.vmarena.Arena");
    private static ScheduledExecutorService shared;

    private final WeakReference<Arena> arena;
    private final String arenaName;
    private final CompactionPolicy policy;
    private volatile ScheduledFuture<?> future;
    private volatile boolean cancelled;

    private BackgroundCompaction(final Arena arena, final CompactionPolicy policy) {
        this.arena = new WeakReference<>(arena);
        this.arenaName = arena.name();
        this.policy = policy;
    }

    static BackgroundCompaction start(final Arena arena, final CompactionPolicy policy) {
        final BackgroundCompaction task = new BackgroundCompaction(arena, policy);
        final ScheduledExecutorService scheduler = policy.scheduler() != null ? policy.scheduler() : shared();
        final long periodNanos = Compactor.budgetNanos(policy.period(), "period");
        task.future = scheduler.scheduleWithFixedDelay(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        return task;
    }

    private static synchronized ScheduledExecutorService shared() {
        if (shared == null) {
            final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                final Thread thread = new Thread(runnable, "vmarena-compactor");
                thread.setDaemon(true);
                return thread;
            });
            executor.setRemoveOnCancelPolicy(true); // a closed arena's task leaves the queue at once
            shared = executor;
        }
        return shared;
    }

    void cancel() {
        cancelled = true;
        final ScheduledFuture<?> scheduled = future;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
    }

    @Override
    public void run() {
        final Arena target = arena.get();
        if (target == null || cancelled) {
            cancel();
            return;
        }
        try {
            target.compactIfDue(policy);
        } catch (final IllegalStateException closedOrFailed) {
            if (!target.isOpen()) {
                cancel(); // closed meanwhile: nothing to report
                return;
            }
            report(closedOrFailed);
        } catch (final RuntimeException | Error failed) {
            // An Error too (a listener's AssertionError, say): left to escape, the scheduler would
            // end the periodic task silently, unreported, and the arena would never hear of it.
            report(failed);
        }
    }

    private void report(final Throwable failure) {
        cancel();
        LOGGER.log(System.Logger.Level.WARNING, "background compaction of arena '" + arenaName + "' stopped: a slice "
            + "failed (" + failure.getMessage() + "); the arena is usable, and compact() or compactSlice() may be "
            + "called again", failure);
    }
}
