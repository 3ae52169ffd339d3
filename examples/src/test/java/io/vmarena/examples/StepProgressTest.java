package io.vmarena.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
