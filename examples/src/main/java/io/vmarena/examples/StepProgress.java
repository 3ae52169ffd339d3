package io.vmarena.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

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

    /** Where Linux shows what this process's stderr (file descriptor 2) is open on. */
    private static final Path STDERR_LINK = Paths.get("/proc/self/fd/2");

    /**
     * Progress on {@code err}, overwritten in place only when {@code err} is this JVM's stderr and
     * that is a terminal ({@link #stderrIsTerminal}).
     */
    static StepProgress onConsole(final PrintStream err) {
        return new StepProgress(err, err == System.err && stderrIsTerminal());
    }

    /**
     * Whether this process's stderr is a terminal. Progress goes to stderr, so stderr decides:
     * {@link System#console()} alone would not do, as in Java 17 it looks at stdin and stdout only,
     * and {@code demo 2>file} on a terminal would fill the file with {@code \r} redraws.
     */
    static boolean stderrIsTerminal() {
        Optional<Path> target;
        try {
            target = Optional.of(Files.readSymbolicLink(STDERR_LINK));
        } catch (final IOException | UnsupportedOperationException | SecurityException e) {
            target = Optional.empty(); // not Linux, or no /proc: the console is the best guess left
        }
        return isTerminal(target, System.console() != null);
    }

    /**
     * The decision of {@link #stderrIsTerminal}: {@code stderrTarget} is what
     * {@code /proc/self/fd/2} links to (empty where it cannot be read), {@code consolePresent}
     * whether {@link System#console()} is non-null, used only when the link says nothing. A
     * terminal is a pseudo-terminal ({@code /dev/pts/N}) or a tty device ({@code /dev/ttyN},
     * {@code /dev/tty}, {@code /dev/console}); a file, pipe ({@code pipe:[N]}) or socket is not.
     */
    static boolean isTerminal(final Optional<Path> stderrTarget, final boolean consolePresent) {
        if (stderrTarget.isEmpty()) {
            return consolePresent;
        }
        final String target = stderrTarget.get().toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
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
