package io.vmarena.examples;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The demo's progress on stderr, for a step that takes more than {@link #QUIET_NANOS} (with a
 * large {@code --size}, filling and checking take seconds). A quick step shows nothing. On a
 * terminal the step's name, how far it is and how long it has run overwrite each other in place
 * ({@link StepProgress}), several times a second, and are erased before the demo prints its next
 * line; in a pipe or a file each slow step gets one line, once, and nothing is erased.
 *
 * <p>Threads: the step's thread calls {@link #begin}, {@link #advance} and {@link #clear}; a
 * daemon thread of {@link #start} calls {@link #tick}. The demo prints its own lines under this
 * object's lock ({@link #print}), so a progress line never lands in the middle of one.
 */
final class DemoProgress implements AutoCloseable {
    /** A step quicker than this shows no progress. */
    static final long QUIET_NANOS = 1_000_000_000L;
    /** How often the progress on a terminal is redrawn. */
    private static final long TICK_MILLIS = 200;

    private final StepProgress progress;
    private final boolean terminal;
    private ScheduledExecutorService ticker;
    private String step;
    private long startedNanos;
    private boolean shown;
    /** Written by the step's thread, read by the ticker's: how far the step is, in {@link #totalBytes}. */
    private volatile long doneBytes;
    private volatile long totalBytes;

    DemoProgress(final StepProgress progress, final boolean terminal) {
        this.progress = progress;
        this.terminal = terminal;
    }

    /** Starts the thread that calls {@link #tick}; {@link #close} stops it. */
    DemoProgress start() {
        ticker = Executors.newSingleThreadScheduledExecutor(task -> {
            final Thread thread = new Thread(task, "vmarena-demo-progress");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(() -> tick(System.nanoTime()), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** A step starts: {@code name} as its heading will say it ({@code 2. Fill}). */
    synchronized void begin(final String name, final long nowNanos) {
        clear();
        step = name;
        startedNanos = nowNanos;
        shown = false;
        doneBytes = 0;
        totalBytes = 0;
    }

    /** How far the step is: {@code done} of {@code total} bytes (or 0 of 0 where it cannot say). */
    void advance(final long done, final long total) {
        totalBytes = total;
        doneBytes = done;
    }

    /** Draws the progress if the step has run for {@link #QUIET_NANOS}: on a terminal each time, in a pipe once. */
    synchronized void tick(final long nowNanos) {
        final long elapsedNanos = nowNanos - startedNanos;
        if (step == null || elapsedNanos < QUIET_NANOS || shown && !terminal) {
            return;
        }
        final long total = totalBytes;
        final long done = Math.min(doneBytes, total);
        progress.step(step + ": " + (terminal ? "" : "taking a while, ") + (total > 0 ? Bytes.format(done) + " of "
            + Bytes.format(total) + ", " : "") + DemoText.seconds(elapsedNanos) + " so far");
        shown = true;
    }

    /** The step is over: its progress is erased (on a terminal) and no more is drawn for it. */
    synchronized void end() {
        clear();
        step = null;
    }

    /** Prints a line of the demo's own, with the progress erased first. */
    synchronized void print(final Runnable line) {
        clear();
        line.run();
    }

    private void clear() {
        if (shown && terminal) {
            progress.done();
            shown = false;
        }
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        end();
    }
}
