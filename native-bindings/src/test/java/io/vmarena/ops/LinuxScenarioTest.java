package io.vmarena.ops;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every conformance scenario on this machine's kernel, against its expected transcript.
 * Unprivileged scenarios run one per child JVM under setpriv (no CAP_IPC_LOCK) and prlimit (the
 * memlock their header names): the DONTUNMAP leak (DU4) lasts as long as the process.
 */
class LinuxScenarioTest {
    @TestFactory
    Stream<DynamicTest> shouldPrintTheExpectedTranscriptOnThisKernel() {
        final AddressSpace linux = AddressSpaces.open("linux");
        final List<DynamicTest> tests = new ArrayList<>();
        for (final Scenarios.Scenario scenario : Scenarios.all()) {
            tests.add(DynamicTest.dynamicTest(scenario.name(), () -> {
                assumeTrue(linux.capabilities().multiVmaMove().available(), "the transcripts were recorded on Linux "
                    + "6.18; this kernel lacks multi-VMA moves: " + linux.capabilities().multiVmaMove().reason());
                if (scenario.unprivileged()) {
                    runInChild(scenario);
                } else {
                    assumeTrue(linux.capabilities().ipcLock().available(), "privileged scenarios need CAP_IPC_LOCK");
                    final Script script = Scenarios.parse(scenario);
                    final List<String> actual = Transcripts.withoutTrailingBlankLines(new ScenarioRunner(linux)
                        .run(script));
                    assertEquals(String.join("\n", script.expected()), String.join("\n", actual),
                        () -> String.join("\n", UnifiedDiff.diff("expected", script.expected(), "linux", actual)));
                }
            }));
        }
        return tests.stream();
    }

    private static void runInChild(final Scenarios.Scenario scenario) throws Exception {
        assumeTrue(onPath("prlimit"), "needs prlimit (util-linux) to set RLIMIT_MEMLOCK for a child JVM");
        final boolean dropCapability = AddressSpaces.open("linux").capabilities().ipcLock().available();
        assumeTrue(!dropCapability || onPath("setpriv"), "needs setpriv to drop CAP_IPC_LOCK for a child JVM");
        final List<String> command = new ArrayList<>();
        if (dropCapability) {
            command.addAll(List.of("setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock"));
        }
        final long memlock = scenario.memlockBytes();
        command.addAll(List.of("prlimit", "--memlock=" + memlock + ":" + memlock,
            System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
            ScenarioChild.class.getName(), scenario.path().toString(), "--backend", "linux"));
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(OpsTool.MATCHED, child.exitValue(), () -> String.join(" ", command) + "\n" + output);
    }

    private static boolean onPath(final String program) {
        for (final String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(directory, program).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
