package io.vmarena.linux;

import io.vmarena.vm.AddressSpaces;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pinning policy on Linux, in a child JVM without CAP_IPC_LOCK and with RLIMIT_MEMLOCK of 16
 * segments ({@link PinningPolicyChild}): the hottest arena pinned, the next in part, the third
 * unpinned; VmLck is exactly what the arenas pinned, within the limit; all keep working.
 */
class LinuxPinningPolicyTest {
    private static long segmentBytes;

    @BeforeAll
    static void requireTools() {
        ChildJvm.assumeTools();
        segmentBytes = Math.max(64L << 10, AddressSpaces.open("linux").pageSize());
    }

    @Test
    void shouldPinTheHottestAndDegradeTheRestWithinTheLimit() throws Exception {
        final ChildJvm.Result result = ChildJvm.run(16 * segmentBytes, PinningPolicyChild.class.getName(),
            List.of(Long.toString(segmentBytes)));
        assertEquals(0, result.exitCode(), () -> String.join(" ", result.command()) + "\n" + result.output());
        final List<String> decisions = new ArrayList<>();
        String vmlck = null;
        String working = null;
        String closed = null;
        for (final String line : result.output().split("\n")) {
            if (line.startsWith("decision ")) {
                decisions.add(line.substring("decision ".length()));
            } else if (line.startsWith("vmlck ")) {
                vmlck = line;
            } else if (line.startsWith("working ")) {
                working = line;
            } else if (line.startsWith("closed ")) {
                closed = line;
            }
        }
        assertEquals(List.of("arena0 PINNED 8", "arena1 PARTLY_PINNED 8", "arena2 OVER_BUDGET 0"), decisions,
            result::output);
        assertEquals("vmlck " + 16 * segmentBytes + " arenas " + 16 * segmentBytes, vmlck, result::output);
        assertEquals("working " + 16 * segmentBytes, working, "growth past the shares went on unpinned");
        assertEquals("closed 0", closed);
        assertTrue(result.output().contains("reason arena1 arena 'arena1' is pinned in part by its pinning policy (rank 2 "
            + "of 3"), result::output);
    }
}
