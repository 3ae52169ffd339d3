package io.vmarena.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One {@code vmarena} sub-command run in this JVM with its stdout and stderr captured, as the
 * command-line tests of one sub-command need it.
 */
final class CapturedCommand {
    private final String command;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** @param command the sub-command's name, e.g. {@code cache-churn} */
    CapturedCommand(final String command) {
        this.command = command;
    }

    /** Runs the sub-command with {@code args} and returns its exit status; output accumulates. */
    int run(final String... args) {
        final String[] line = new String[args.length + 1];
        line[0] = command;
        System.arraycopy(args, 0, line, 1, args.length);
        return VmarenaCommand.run(line, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
