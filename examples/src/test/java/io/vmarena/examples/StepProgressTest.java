package io.vmarena.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepProgressTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private StepProgress progress(final boolean terminal) {
        return new StepProgress(new PrintStream(err, true, StandardCharsets.UTF_8), terminal);
    }

    @Test
    void shouldPrintOneLinePerStepWithoutCarriageReturnsInAPipe() {
        final StepProgress progress = progress(false);
        progress.step("[1/2] a longer step");
        progress.step("[2/2] short");
        progress.done();

        assertEquals("[1/2] a longer step" + System.lineSeparator() + "[2/2] short" + System.lineSeparator(),
            err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldOverwriteEachStepInPlaceAndClearTheLastOnATerminal() {
        final StepProgress progress = progress(true);
        progress.step("[1/2] a longer step");
        progress.step("[2/2] short");
        progress.done();

        assertEquals("\r[1/2] a longer step" + "\r[2/2] short" + " ".repeat(8) + "\r" + " ".repeat(19) + "\r",
            err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldCallStderrATerminalWhenItIsAPseudoTerminalOrATtyWhateverTheConsoleSays() {
        for (final String tty : new String[] {"/dev/pts/0", "/dev/pts/17", "/dev/tty", "/dev/tty1", "/dev/ttyS0", "/dev/console"}) {
            assertTrue(StepProgress.isTerminal(Optional.of(Path.of(tty)), false), tty);
            assertTrue(StepProgress.isTerminal(Optional.of(Path.of(tty)), true), tty);
        }
    }

    @Test
    void shouldNotCallStderrATerminalWhenItIsAFileOrAPipeEvenWithAConsole() {
        // demo 2>file on a terminal: stdin and stdout are the terminal (a console), stderr is not.
        for (final String notTty : new String[] {"/tmp/e", "pipe:[123456]", "socket:[42]", "/dev/null", "/dev/ptsx",
            "/home/u/dev/pts/1"}) {
            assertFalse(StepProgress.isTerminal(Optional.of(Path.of(notTty)), true), notTty);
        }
    }

    @Test
    void shouldFallBackToTheConsoleWhenStderrsLinkCannotBeRead() {
        assertTrue(StepProgress.isTerminal(Optional.empty(), true));
        assertFalse(StepProgress.isTerminal(Optional.empty(), false));
    }

    @Test
    void shouldNotCallStderrATerminalUnderTheTestRunner() {
        // Surefire gives the forked JVM pipes or files for its streams.
        assertFalse(StepProgress.stderrIsTerminal());
    }
}
