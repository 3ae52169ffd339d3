package io.vmarena;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A JVM without Agrona's --add-opens is told which flag to add and where, at build(). */
class UnsafeAccessCheckTest {
    @Test
    void shouldNameTheFlagAndWhereItGoesWhenTheJvmLacksIt() throws Exception {
        final String output = runChild(List.of());

        assertTrue(output.startsWith("java.lang.IllegalStateException: vmarena needs the JVM option "
            + "--add-opens java.base/jdk.internal.misc=ALL-UNNAMED"), output);
        assertTrue(output.contains("java command line"), output);
        assertTrue(output.contains("Surefire's <argLine>"), output);
        assertTrue(output.contains("\"Add-Opens: java.base/jdk.internal.misc\""), output);
    }

    @Test
    void shouldBuildWhenTheJvmHasTheFlag() throws Exception {
        final String output = runChild(List.of("--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"));

        assertTrue(output.startsWith("built "), output);
    }

    /** What {@link UnsafeAccessChild} answered in a JVM started with {@code jvmOptions} and the simulator. */
    private static String runChild(final List<String> jvmOptions) throws Exception {
        final List<String> command = new ArrayList<>(List.of(
            System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
            "-XX:TieredStopAtLevel=1", "-Dvmarena.backend=sim"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path",
            System.getProperty("java.class.path")), UnsafeAccessChild.class.getName()));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JDK_JAVA_OPTIONS"); // it could carry the flag into the child
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        final Process child = builder.start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("child JVM did not finish within a minute: " + String.join(" ", command));
        }
        assertEquals(0, child.exitValue(), output);
        // Its log lines (the backend chosen) share the stream; the child marks its one answer.
        return output.lines().filter(line -> line.startsWith("result: ")).findFirst()
            .map(line -> line.substring("result: ".length())).orElseThrow(() -> new AssertionError(output));
    }
}
