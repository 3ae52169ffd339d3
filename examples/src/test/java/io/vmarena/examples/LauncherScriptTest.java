package io.vmarena.examples;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The root {@code vmarena} script's build messages, run by bash against stand-ins for {@code mvn}
 * and {@code java} on the PATH, so the test needs neither a build nor a JVM start.
 */
class LauncherScriptTest {
    private static final String BUILDING = "vmarena: building examples/target/vmarena.jar with Maven, as it is "
        + "missing or older than the sources (about a minute the first time, seconds after)...\n";

    @TempDir
    private Path root;
    private Path bin;

    @BeforeEach
    void copyTheScript() throws IOException {
        Files.copy(Path.of("..", "vmarena"), root.resolve("vmarena"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        bin = Files.createDirectories(root.resolve("bin"));
        executable("java", "echo \"java $*\"");
    }

    private void executable(final String name, final String body) throws IOException {
        final Path file = bin.resolve(name);
        Files.writeString(file, "#!/usr/bin/env bash\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private String[] run() throws IOException, InterruptedException {
        final ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("vmarena").toString(), "doctor")
            .redirectError(root.resolve("stderr").toFile()).redirectOutput(root.resolve("stdout").toFile());
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        final int exit = builder.start().waitFor();
        return new String[] {String.valueOf(exit), Files.readString(root.resolve("stdout"), StandardCharsets.UTF_8),
            Files.readString(root.resolve("stderr"), StandardCharsets.UTF_8)};
    }

    @Test
    void shouldSayWhatItBuildsShowEachModuleAndHowLongItTook() throws Exception {
        executable("mvn", "echo '[INFO] Scanning for projects...'\n"
            + "echo '[INFO] Building vmarena 0.1.0-SNAPSHOT                            [1/2]'\n"
            + "echo '[INFO] Building vmarena examples 0.1.0-SNAPSHOT                   [2/2]'\n"
            + "echo '[INFO] Building jar: /somewhere/vmarena-examples-0.1.0-SNAPSHOT.jar'\n"
            + "mkdir -p examples/target && touch examples/target/vmarena.jar");

        final String[] result = run();

        assertEquals("0", result[0], result[2]);
        assertEquals("java -jar " + root.resolve("examples/target/vmarena.jar") + " doctor\n", result[1]);
        assertTrue(result[2].matches(BUILDING.replace(".", "\\.").replace("(", "\\(").replace(")", "\\)")
            + "vmarena:   1/2 vmarena\nvmarena:   2/2 vmarena examples\nvmarena: built in [0-9]+ s\n"), result[2]);
    }

    @Test
    void shouldPrintMavensWholeOutputAndExitOneWhenTheBuildFails() throws Exception {
        executable("mvn", "echo '[INFO] Building vmarena 0.1.0-SNAPSHOT                            [1/1]'\n"
            + "echo '[ERROR] COMPILATION ERROR'\nexit 1");

        final String[] result = run();

        assertEquals("1", result[0]);
        assertEquals("", result[1]);
        assertEquals(BUILDING + "vmarena:   1/1 vmarena\n[INFO] Building vmarena 0.1.0-SNAPSHOT                     "
            + "       [1/1]\n[ERROR] COMPILATION ERROR\nvmarena: the build failed (output above); fix it, or run: "
            + "mvn -B -DskipTests -pl examples -am package\n", result[2]);
    }
}
