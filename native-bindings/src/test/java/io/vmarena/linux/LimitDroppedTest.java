package io.vmarena.linux;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RLIMIT_MEMLOCK dropped to 0 under a pinned arena, on this kernel, in a child JVM without
 * CAP_IPC_LOCK ({@link LimitDroppedChild}): the kernel keeps the locks it gave and refuses every
 * new one with EPERM. The status said REFUSED and "is not pinned" with those bytes in VmLck.
 */
class LimitDroppedTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @BeforeAll
    static void requireTools() {
        ChildJvm.assumeTools();
    }

    @Test
    void shouldSayWhatStaysLockedWhenTheLimitDropsToZeroUnderAPinnedArena() throws Exception {
        final long memlockBytes = 64 * SEGMENT_BYTES;
        final ChildJvm.Result result = ChildJvm.run(memlockBytes, LimitDroppedChild.class.getName(),
            List.of(Long.toString(memlockBytes)));
        assertEquals(0, result.exitCode(), () -> String.join(" ", result.command()) + "\n" + result.output());
        final long pinnedBytes = 3 * SEGMENT_BYTES;
        assertTrue(line(result.output(), "pinned=").startsWith("PINNED " + pinnedBytes + " 0 " + pinnedBytes + " "),
            result.output());
        for (final String step : new String[] {"grown=", "again="}) {
            final String status = line(result.output(), step);
            assertTrue(status.startsWith("PARTLY_PINNED " + pinnedBytes + " " + SEGMENT_BYTES + " " + pinnedBytes
                + " arena 'dropped' is pinned in part: " + pinnedBytes + " bytes locked before stay locked, the rest "
                + "works unpinned: RLIMIT_MEMLOCK is 0"), step + " " + result.output());
            assertTrue(status.contains("(EPERM)") && status.contains("`ulimit -l <KiB>`"), status);
        }
        assertTrue(line(result.output(), "unpinned=").startsWith("UNPINNED 0 0 0 "), result.output());
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
