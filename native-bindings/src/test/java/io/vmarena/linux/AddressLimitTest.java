package io.vmarena.linux;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 9: under {@code prlimit --as}, an arena that had to move to grow from 256 to 512 MiB
 * asked for 1 GiB (four times) and gave up. It falls back to smaller reservations down to what
 * it needs. In a child JVM ({@link AddressLimitChild}) that lowers its own RLIMIT_AS to what it
 * maps plus 768 MiB: four times (1 GiB) does not fit, twice (512 MiB) does.
 */
class AddressLimitTest {
    private static final long HEADROOM_BYTES = 768L << 20;

    @Test
    void shouldGrowWithASmallerReservationWhenTheAddressSpaceLimitRefusesFourTimes() throws Exception {
        assumeTrue(ChildJvm.onPath("prlimit"), "needs prlimit (util-linux) to set RLIMIT_AS for a child JVM");
        final ChildJvm.Result result = ChildJvm.runJava(List.of("-Xmx64m", "-XX:ReservedCodeCacheSize=32m"),
            AddressLimitChild.class.getName(), List.of(Long.toString(HEADROOM_BYTES)));
        assertEquals(0, result.exitCode(), () -> String.join(" ", result.command()) + "\n" + result.output());
        final Map<String, String> lines = new HashMap<>();
        for (final String line : result.output().split("\n")) {
            final int arrow = line.indexOf(" -> ");
            if (arrow > 0) {
                lines.put(line.substring(0, arrow), line.substring(arrow + 4));
            }
        }
        assertEquals("ENOMEM", lines.get("limit"), "the limit refuses a reservation of 1 GiB: " + result.output());
        assertEquals("reserved=" + (512L << 20), lines.get("grow"), result.output());
        assertEquals("ok", lines.get("bytes"), result.output());
    }
}
