package io.vmarena.ops;

import io.vmarena.linux.ChildJvm;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every conformance scenario on this machine's kernel, against the transcript a kernel with
 * this one's traits prints (the probe's answer: a scenario's {@code --- expect zero-page=no}
 * section where this kernel has no zero page and the scenario has one, else its main one).
 * Unprivileged scenarios run one per child JVM under setpriv (no CAP_IPC_LOCK) and prlimit (the
 * memlock their header names): the DONTUNMAP leak (DU4) lasts as long as the process; the child
 * probes and chooses the same way ({@code vmarena ops --backend linux}).
 */
class LinuxScenarioTest {
    @TestFactory
    Stream<DynamicTest> shouldPrintTheExpectedTranscriptOnThisKernel() {
        final AddressSpace linux = AddressSpaces.open("linux");
        final List<DynamicTest> tests = new ArrayList<>();
        for (final Scenarios.Scenario scenario : Scenarios.all()) {
            tests.add(DynamicTest.dynamicTest(scenario.name(), () -> {
                if (scenario.unprivileged()) {
                    runInChild(scenario, linux.pageSize());
                } else {
                    assumeTrue(linux.capabilities().ipcLock().available(), "privileged scenarios need CAP_IPC_LOCK");
                    final Script script = Scenarios.parse(scenario);
                    final List<String> expected = script.expectedFor(linux.capabilities());
                    final List<String> actual = Transcripts.withoutTrailingBlankLines(new ScenarioRunner(linux)
                        .run(script));
                    assertEquals(String.join("\n", expected), String.join("\n", actual),
                        () -> "zero page: " + linux.capabilities().zeroPage().reason() + "\n"
                            + String.join("\n", UnifiedDiff.diff("expected", expected, "linux", actual)));
                }
            }));
        }
        return tests.stream();
    }

    private static void runInChild(final Scenarios.Scenario scenario, final long pageSize) throws Exception {
        ChildJvm.assumeTools();
        final ChildJvm.Result result = ChildJvm.run(scenario.memlockBytes(pageSize), ScenarioChild.class.getName(),
            List.of(scenario.path().toString(), "--backend", "linux"));
        assertEquals(OpsTool.MATCHED, result.exitCode(), () -> String.join(" ", result.command()) + "\n"
            + result.output());
    }
}
