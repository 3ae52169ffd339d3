package io.vmarena.examples;

import io.vmarena.vm.AddressSpaces;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code vmarena demo --size} as a hostile caller gives it: odd units, zero, negative, overflowing,
 * too small, more than the machine holds. Each is a usage error (exit 2) that says what to give,
 * before any memory is touched.
 */
class DemoSizeTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args) {
        out.reset();
        err.reset();
        return VmarenaCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldRefuseOddUnitsAndNumbersWithExitTwo() {
        final String[][] cases = {
            {"4GB", "'4GB' is not a number of bytes"}, {"4GiB", "'4GiB' is not a number of bytes"},
            {"1.5G", "'1.5G' is not a number of bytes"}, {"-1", "'-1' is not a number of bytes"},
            {"4 G", "'4 G' is not a number of bytes"}, {"0", "'0' is zero bytes"}, {"0M", "'0M' is zero bytes"},
            {"99999999999G", "'99999999999G' is too large"},
            {"99999999999999999999", "'99999999999999999999' is too large"},
        };
        for (final String[] size : cases) {
            assertEquals(2, run("demo", "--backend", "sim", "--size", size[0]), size[0]);
            assertTrue(err().contains(size[1] + ": give a whole number of bytes, optionally with K, M or G (KiB, MiB, "
                + "GiB), for example 64M"), size[0] + ": " + err());
            assertTrue(err().contains("Usage: vmarena demo [-h]"), err());
            assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing runs");
        }
    }

    @Test
    void shouldRefuseMoreThanThisMachineCanHoldBeforeTouchingMemory() {
        try {
            AddressSpaces.open("linux");
        } catch (final RuntimeException | LinkageError unavailable) {
            assumeTrue(false, "needs the Linux backend: " + unavailable);
        }

        assertEquals(2, run("demo", "--backend", "linux", "--size", "1048576G"));

        assertTrue(Pattern.compile("--size 1 PiB is more than the demo can fill on this machine \\(it holds up to "
            + "four times what it fills, and of the [0-9.]+ [KMGT]iB of memory [0-9.]+ [KMGT]iB is available now\\): "
            + "give at most [0-9.]+ [KMGT]iB").matcher(err()).find(), err());
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing runs");
        assertEquals(2, run("demo", "--backend", "linux", "--size", "1M"));
        assertTrue(err().contains("--size 1 MiB is less than the demo needs: give at least 16 MiB (8 segments of "
            + "2 MiB)"), err());
    }
}
