package io.vmarena.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line as a hostile user meets it: every sub-command's usage is printed whole and
 * clean, with nothing from picocli itself on the process's stderr (where a format error in a
 * usage text goes, past the streams {@link VmarenaCommand#run} is given).
 */
class CommandLineAttackTest {
    @ParameterizedTest
    @ValueSource(strings = {"doctor", "demo", "ops", "bench", "cache-churn", "pinned-service"})
    void shouldPrintEveryUsageWithoutAWarningOnTheProcessesStderr(final String command) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final ByteArrayOutputStream processErr = new ByteArrayOutputStream();
        final PrintStream stderr = System.err;
        final int exit;
        System.setErr(new PrintStream(processErr, true, StandardCharsets.UTF_8));
        try {
            exit = VmarenaCommand.run(new String[] {command, "--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        } finally {
            System.setErr(stderr);
        }

        final String usage = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, usage + err.toString(StandardCharsets.UTF_8));
        assertEquals("", processErr.toString(StandardCharsets.UTF_8), "picocli's own complaint about the usage");
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        assertTrue(usage.startsWith("Usage: vmarena " + command), usage);
        assertTrue(usage.contains("\nExit status:\n") && usage.contains("  2   bad input"), usage);
        assertTrue(!usage.contains("%n") && !usage.contains("%%"), "a format sequence left raw: " + usage);
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseAnEmptyJsonPathSayingSo() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        final int exit = VmarenaCommand.run(new String[] {"demo", "--backend", "sim", "--json="},
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        final String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, exit, text);
        assertTrue(text.startsWith("--json needs a file's path (it was empty), for example demo.json\n"), text);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing ran");
    }
}
