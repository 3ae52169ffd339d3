package io.vmarena.examples;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's progress: nothing for a quick step, one line in a pipe, redrawn in place only on a terminal. */
class DemoProgressTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long GIB = 1L << 30;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);

    private DemoProgress progress(final boolean terminal) {
        return new DemoProgress(new StepProgress(new PrintStream(err, true, StandardCharsets.UTF_8), terminal), terminal);
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldShowNothingForAStepQuickerThanASecond() {
        for (final boolean terminal : new boolean[] {true, false}) {
            final DemoProgress progress = progress(terminal);
            progress.begin("2. Fill", 0);
            progress.advance(GIB, 4 * GIB);
            progress.tick(SECOND - 1);
            progress.print(() -> outStream.println("2. Fill: done"));
            progress.close();
        }

        assertEquals("", errors());
        assertEquals("2. Fill: done\n2. Fill: done\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintOneLinePerSlowStepWithoutCarriageReturnsInAPipe() {
        final DemoProgress progress = progress(false);
        progress.begin("2. Fill", 0);
        progress.advance(GIB, 4 * GIB);
        progress.tick(SECOND + SECOND / 5);
        progress.advance(2 * GIB, 4 * GIB);
        progress.tick(2 * SECOND);
        progress.print(() -> outStream.println("2. Fill: done"));
        progress.begin("5a. Pin the hot part", 3 * SECOND);
        progress.tick(5 * SECOND);
        progress.close();

        assertEquals("2. Fill: taking a while, 1 GiB of 4 GiB, 1.2 s so far\n"
            + "5a. Pin the hot part: taking a while, 2.0 s so far\n", errors());
    }

    @Test
    void shouldRedrawInPlaceOnATerminalAndEraseBeforeTheDemoPrints() {
        final DemoProgress progress = progress(true);
        progress.begin("2. Fill", 0);
        progress.advance(GIB, 4 * GIB);
        progress.tick(SECOND + SECOND / 5);
        progress.advance(2 * GIB, 4 * GIB);
        progress.tick(2 * SECOND);
        progress.print(() -> err.writeBytes("[the step's lines]".getBytes(StandardCharsets.UTF_8)));
        progress.close();

        final String first = "2. Fill: 1 GiB of 4 GiB, 1.2 s so far";
        final String second = "2. Fill: 2 GiB of 4 GiB, 2.0 s so far";
        assertEquals("\r" + first + "\r" + second + "\r" + " ".repeat(second.length()) + "\r[the step's lines]",
            errors());
    }

    @Test
    void shouldPrintNoCarriageReturnWhenTheDemoRunsInAPipe() {
        final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, new CommandLine(new Demo(outStream, errStream, space)).setErr(new PrintWriter(errStream,
                true)).execute("--size", "2M"), errors());
        }

        assertEquals(-1, errors().indexOf('\r'), errors());
        // A step slowed past a second by a busy machine prints one line; none is a stack trace or a warning.
        for (final String line : errors().split("\n", -1)) {
            assertTrue(line.isEmpty() || line.contains(": taking a while, "), errors());
        }
    }
}
