package io.vmarena;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Tells the user, once per wait, that a move of a shared arena has waited longer than the arena's
 * move wait warning for read sections to close: a WARNING through {@link System.Logger} (logger
 * {@code io.vmarena.Arena}) and a JFR event {@code io.vmarena.MoveWait}, each naming the threads
 * inside a section and, for a thread that ended inside one, saying so. The move keeps waiting: a
 * section is never taken from its thread, since addresses read under it (by that thread, or by
 * others it handed them to) would then point into memory that moves.
 */
final class MoveWaitReporter implements ReadPhaser.WaitListener {
    /** The system property that sets the default warning, in milliseconds. */
    static final String PROPERTY = "vmarena.move.wait.warning.millis";
    /** The warning when neither the builder nor the property sets it. */
    static final Duration DEFAULT_WARNING = Duration.ofSeconds(10);
    private static final System.Logger LOG = System.getLogger(Arena.class.getName());

    private final SectionRegistry sections;
    private final Duration warning;
    private volatile Consumer<String> sink = message -> LOG.log(System.Logger.Level.WARNING, message);

    MoveWaitReporter(final SectionRegistry sections, final Duration warning) {
        this.sections = sections;
        this.warning = warning;
    }

    /**
     * The warning a builder asks for, or the property's, or {@link #DEFAULT_WARNING}.
     *
     * @throws IllegalArgumentException when the property is not a positive whole number of milliseconds
     */
    static Duration warning(final Duration fromBuilder) {
        if (fromBuilder != null) {
            return fromBuilder;
        }
        final String property = System.getProperty(PROPERTY);
        if (property == null) {
            return DEFAULT_WARNING;
        }
        try {
            final long millis = Long.parseLong(property.trim());
            if (millis > 0) {
                return Duration.ofMillis(millis);
            }
        } catch (final NumberFormatException notANumber) {
            // refused below, with the other bad values
        }
        throw new IllegalArgumentException("-D" + PROPERTY + "=" + property + ": the move wait warning must be a "
            + "positive whole number of milliseconds (default " + DEFAULT_WARNING.toMillis() + ")");
    }

    /** The warning in nanoseconds, for the gate; at most Long.MAX_VALUE. */
    static long nanos(final Duration warning) {
        try {
            return warning.toNanos();
        } catch (final ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** Where messages go instead of the logger: for tests. */
    void sink(final Consumer<String> value) {
        sink = value;
    }

    @Override
    public void moverWaitsLong(final long waitedNanos) {
        final List<String> threads = sections.describeThreadsInside();
        final String named = threads.isEmpty() ? "none found (the sections may be closing now)"
            : String.join(", ", threads);
        sink.accept("arena '" + sections.arenaName() + "': a move has waited " + Duration.ofNanos(waitedNanos)
            .toMillis() + " ms for read sections to close, longer than the move wait warning (" + warning.toMillis()
            + " ms), and still waits; every change of the arena waits with it. Threads inside a read section: " + named
            + ". Close every section on the thread that opened it, with try-with-resources; a section left open by a "
            + "thread that ended holds moves off for good.");
        ArenaEvents.moveWait(sections.arenaName(), waitedNanos, named);
    }
}
