package io.vmarena.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cache-churn child does not outlive its parent: the parent, a {@code vmarena cache-churn} JVM
 * of its own, starts its child through {@link ChurnRun} as always (vmarena on the simulator, a
 * load long enough to be caught in the middle), is killed by SIGKILL (which runs no shutdown hook)
 * once the child's load has started, and the child must be gone soon after.
 */
class ChurnOrphanTest {
    /** Far more than a child needs to notice; far less than its load (a minute of settling alone). */
    private static final long CHILD_GONE_WITHIN_NANOS = TimeUnit.SECONDS.toNanos(20);

    @Test
    void shouldEndTheChildWhenItsParentIsKilledInTheMiddleOfTheLoad(@TempDir final Path dir)
        throws IOException, InterruptedException {
        final String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final Process parent = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
            VmarenaCommand.class.getName(), "cache-churn", "--backend", "sim", "--contenders", "vmarena", "--size", "8M",
            "--cycles", "100", "--settle", "60", "--heap", "64M", "--out", dir.toString()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ProcessHandle child = null;
        try {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(parent.getErrorStream(),
                StandardCharsets.UTF_8))) {
                String line = err.readLine();
                while (line != null && !line.startsWith("  INFO start")) {
                    line = err.readLine();
                }
                assertTrue(line != null, "the parent ended before its child's load started");
                child = churnChild(parent.toHandle()).orElseThrow(() -> new AssertionError("the child is no ChurnChild"));
                assertTrue(child.isAlive(), "the child is in its load");

                parent.destroyForcibly().waitFor();
            }
            final long deadline = System.nanoTime() + CHILD_GONE_WITHIN_NANOS;
            while (child.isAlive() && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            assertFalse(child.isAlive(), "child " + child.pid() + " outlived its parent by "
                + TimeUnit.NANOSECONDS.toSeconds(CHILD_GONE_WITHIN_NANOS) + " s");
        } finally {
            parent.descendants().forEach(ProcessHandle::destroyForcibly); // none left behind, whatever failed
            parent.destroyForcibly();
            if (child != null) {
                child.destroyForcibly();
            }
        }
    }

    /** The parent's one child, the ChurnChild: its command line, from Linux's /proc, says so. */
    private static Optional<ProcessHandle> churnChild(final ProcessHandle parent) throws IOException {
        final List<ProcessHandle> children = parent.children().collect(Collectors.toList());
        assertEquals(1, children.size(), "children of " + parent.pid() + ": " + children);
        final String commandLine = Files.readString(Path.of("/proc", Long.toString(children.get(0).pid()), "cmdline"),
            StandardCharsets.UTF_8);
        return commandLine.contains(ChurnChild.class.getName()) ? Optional.of(children.get(0)) : Optional.empty();
    }
}
