package io.vmarena.linux;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code lockBudget()} reads RLIMIT_MEMLOCK again on each call: a limit changed from outside
 * the process ({@code prlimit --pid}) shows at once, where the capabilities keep the start-up
 * value. A pinning policy reads it each round. In a child JVM: the limit is per process.
 */
class LockBudgetTest {
    @Test
    void shouldReadALimitChangedFromOutsideAtOnce() throws Exception {
        assumeTrue(ChildJvm.onPath("prlimit"), "needs prlimit (util-linux) to change a process's RLIMIT_MEMLOCK");
        final long loweredBytes = 3 * 65536;
        final ChildJvm.Result result = ChildJvm.runJava(List.of(), LockBudgetChild.class.getName(),
            List.of(Long.toString(loweredBytes)));
        assertEquals(0, result.exitCode(), result::output);
        final String before = line(result.output(), "before=");
        assertTrue(!before.equals(Long.toString(loweredBytes)), "the limit started elsewhere: " + result.output());
        assertEquals(loweredBytes + ":" + loweredBytes, line(result.output(), "after="));
        assertEquals(before, line(result.output(), "probed="), "the capabilities keep what the probe found");
        assertEquals("true", line(result.output(), "locked="));
    }

    private static String line(final String output, final String prefix) {
        for (final String line : output.split("\n")) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        throw new AssertionError("no line " + prefix + " in: " + output);
    }
}
