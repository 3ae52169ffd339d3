package io.vmarena.examples;

import java.io.PrintStream;

/**
 * Progress of a command's numbered steps, on its stderr. On a terminal each step overwrites the
 * last one in place ({@code \r}); in a pipe or a file, where a {@code \r} would leave one long
 * garbled line, each step is a line of its own and nothing is erased at the end.
 */
final class StepProgress {
    private final PrintStream err;
    private final boolean terminal;
    private int widestChars;

    StepProgress(final PrintStream err, final boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /**
     * Progress on {@code err}, overwritten in place only when this JVM runs on a terminal (Java
     * 17's {@link System#console()} is non-null only when both stdin and stdout are terminals).
     */
    static StepProgress onConsole(final PrintStream err) {
        return new StepProgress(err, System.console() != null);
    }

    /** Reports that {@code step} has started. */
    void step(final String step) {
        if (terminal) {
            // Spaces cover what is left of a longer step before it.
            err.print("\r" + step + " ".repeat(Math.max(0, widestChars - step.length())));
            widestChars = Math.max(widestChars, step.length());
        } else {
            err.println(step);
        }
    }

    /** Clears the last step from a terminal's line, so the results start on a clean one. */
    void done() {
        if (terminal) {
            err.print("\r" + " ".repeat(widestChars) + "\r");
        }
        err.flush();
    }
}
