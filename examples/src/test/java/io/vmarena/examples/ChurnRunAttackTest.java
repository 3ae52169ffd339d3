package io.vmarena.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cache-churn child that dies mid-run (the OOM killer, a kill -9): the run says that the
 * child's JVM ended, not that this system cannot sample RSS. The child here is a shell that
 * speaks the protocol: it names its pid in a note, says BASELINE and waits for its answer; the
 * note's handler kills it and waits for its end, so the parent reads BASELINE from a child
 * that is gone.
 */
class ChurnRunAttackTest {
    @Test
    void shouldSayTheChildEndedWhenItIsKilledBeforeItsRssIsRead(@TempDir final Path dir) {
        final List<String> child = List.of("/bin/sh", "-c", "echo \"NOTE $$\"; echo BASELINE; read answer; echo DONE 0 0");

        final IllegalStateException failed = assertThrows(IllegalStateException.class,
            () -> ChurnRun.run(ChurnContender.values()[0], child, dir.resolve("child.log"), ChurnRunAttackTest::kill));

        assertTrue(failed.getMessage().startsWith(ChurnContender.values()[0].id()
            + "'s JVM ended before it finished (exit 137)"), failed.getMessage());
        assertTrue(!failed.getMessage().contains("cannot read VmRSS"), failed.getMessage());
    }

    /** Kills the process a "NOTE pid" line names, and returns once it has ended. */
    private static void kill(final String line) {
        final ProcessHandle child = ProcessHandle.of(Long.parseLong(line.substring("NOTE ".length()))).orElseThrow();
        final var ended = child.onExit();
        assertTrue(child.destroyForcibly(), "kill -9 " + child.pid());
        ended.join();
    }
}
