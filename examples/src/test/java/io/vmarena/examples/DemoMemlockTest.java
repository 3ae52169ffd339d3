package io.vmarena.examples;

import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.Capabilities;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code vmarena demo} on Linux in a child JVM without CAP_IPC_LOCK and with a small
 * RLIMIT_MEMLOCK ({@code setpriv} and {@code prlimit}): the pin is refused or partial, the
 * reason is printed in one line, and the story goes on with every block intact. The compaction
 * step's identical arena lives in the same process, so it shares the limit: the demo's arena is
 * unpinned before the replay and the two stay identical. Skipped where the Linux backend or
 * the tools are missing.
 */
class DemoMemlockTest {
    private static final long LIMIT_BYTES = 8L << 20;

    private static String demo(final long memlockBytes) throws Exception {
        assumeTrue(onPath("prlimit") && onPath("setpriv"), "needs prlimit and setpriv (util-linux)");
        final Capabilities caps;
        try {
            caps = AddressSpaces.open("linux").capabilities();
        } catch (final RuntimeException | LinkageError unavailable) {
            assumeTrue(false, "needs the Linux backend: " + unavailable);
            return "";
        }
        final List<String> command = new ArrayList<>(List.of("setpriv", "--inh-caps=-ipc_lock",
            "--bounding-set=-ipc_lock", "prlimit", "--memlock=" + memlockBytes + ":" + memlockBytes,
            System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g",
            "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
            VmarenaCommand.class.getName(), "demo"));
        if (!caps.ipcLock().available()) {
            command.subList(0, 3).clear(); // nothing to drop
        }
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("COLUMNS", String.valueOf(Integer.MAX_VALUE)); // sentences unbroken, to match
        final Process child = builder.start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the demo did not finish: " + output);
        assertEquals(0, child.exitValue(), output);
        return output;
    }

    private static boolean onPath(final String program) {
        for (final String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(directory, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldPinWhatTheLimitAllowsAndKeepTheArenaBesideItIdentical() throws Exception {
        final String text = demo(LIMIT_BYTES);

        assertTrue(text.contains(": PARTLY_PINNED, 8 MiB pinned of the "), text);
        assertTrue(text.contains("   not wholly pinned, and the arena works on: arena 'demo' is pinned in part by "
            + "pin(): 8388608 bytes locked, "), text);
        assertTrue(text.contains("RLIMIT_MEMLOCK (soft 8388608 bytes, hard 8388608 bytes) and the process lacks "
            + "CAP_IPC_LOCK"), text);
        assertTrue(text.contains("   after: VmLck 8 MiB (+8 MiB), stats().pinnedBytes 8 MiB, "), text);
        assertTrue(text.contains("were pinned before it: PARTLY_PINNED, 8 MiB of the "), text);
        assertTrue(text.contains("   unpinned now: the identical arena beside it replays the pin, and both draw on "
            + "this process's RLIMIT_MEMLOCK of 8 MiB without CAP_IPC_LOCK; VmLck 0 bytes"), text);
        assertTrue(text.contains("identical before compaction (reserved, committed, resident and used bytes, VMAs, "
            + "segments)"), text);
        assertTrue(text.contains("every live block intact"), text);
        assertTrue(text.contains("   VmLck 0 bytes after close (0 bytes before the pin)"), text);
    }

    @Test
    void shouldNameTheFixesWhenNothingMayBeLocked() throws Exception {
        final String text = demo(0);

        assertTrue(text.contains(": REFUSED, 0 bytes pinned of the "), text);
        assertTrue(text.contains("   not wholly pinned, and the arena works on: arena 'demo' is not pinned: "
            + "RLIMIT_MEMLOCK is 0 and the process lacks CAP_IPC_LOCK, so the kernel refuses every lock (EPERM)"),
            text);
        assertTrue(text.contains("ulimit -l") && text.contains("LimitMEMLOCK=") && text.contains("--ulimit memlock")
            && text.contains("--cap-add IPC_LOCK"), text);
        assertFalse(text.contains("unpinned now"), "nothing was pinned:\n" + text);
        assertTrue(text.contains("identical before compaction"), text);
        assertTrue(text.contains("every live block intact"), text);
    }
}
