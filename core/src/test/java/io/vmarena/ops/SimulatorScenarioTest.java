package io.vmarena.ops;

import io.vmarena.vm.sim.Architecture;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every conformance scenario on the simulator, against the transcript this project's build
 * machine's kernel printed. Privileged scenarios run with 4, 16 and 64 KiB pages (a transcript
 * is in pages, so it must not change); unprivileged ones too, with the limit their header names
 * scaled to the page size.
 * Each runs under both answers of every kernel trait (the zero page mapped or not), against the
 * transcript the scenario names for that kernel: its alternative section where it has one,
 * else its main one. Privileged ones run on the arm64 profile too (TASK_SIZE 2^48); every one on
 * the 7.3 and 6.1 profiles, against its {@code dontunmap-settles=yes} or {@code kernel=6.1}
 * section where it has one.
 */
class SimulatorScenarioTest {
    private static final long[] PAGE_SIZES = {4096, 16384, 65536};

    @TestFactory
    Stream<DynamicTest> shouldPrintTheKernelsTranscriptForEveryScenario() {
        final List<DynamicTest> tests = new ArrayList<>();
        for (final Scenarios.Scenario scenario : Scenarios.all()) {
            for (final boolean zeroPage : new boolean[] {true, false}) {
                final KernelProfile kernel = KernelProfile.LINUX_6_17.withZeroPage(zeroPage);
                if (scenario.unprivileged()) {
                    for (final long pageSize : PAGE_SIZES) {
                        tests.add(test(scenario, kernel.withPageSize(pageSize).withIpcLock(false)
                            .withMemlock(scenario.memlockBytes(pageSize))));
                    }
                    continue;
                }
                for (final long pageSize : PAGE_SIZES) {
                    tests.add(test(scenario, kernel.withPageSize(pageSize)));
                }
            }
            // arm64's TASK_SIZE (2^48, not 2^47 less a page): a transcript must not depend on it.
            if (!scenario.unprivileged()) {
                for (final long pageSize : PAGE_SIZES) {
                    tests.add(test(scenario, KernelProfile.LINUX_6_17_ARM64.withPageSize(pageSize)));
                }
            }
            // 7.3 settles a DONTUNMAP move's source (KernelTrait.DONTUNMAP_SETTLES): every scenario
            // prints its main transcript there, or its dontunmap-settles=yes section. 6.1 (the
            // mm code of Debian 12's kernel) prints its main one, or its kernel=6.1 section.
            for (final KernelProfile played : new KernelProfile[] {KernelProfile.LINUX_7_3, KernelProfile.LINUX_6_1}) {
                for (final long pageSize : PAGE_SIZES) {
                    final KernelProfile kernel = played.withPageSize(pageSize);
                    tests.add(test(scenario, scenario.unprivileged()
                        ? kernel.withIpcLock(false).withMemlock(scenario.memlockBytes(pageSize)) : kernel));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> shouldCoverEveryRuleTableWithAtLeastSixtyScenarios() {
        final List<Scenarios.Scenario> all = Scenarios.all();
        return Stream.of(DynamicTest.dynamicTest("count and headers", () -> {
            assertTrue(all.size() >= 60, "only " + all.size() + " scenarios");
            for (final Scenarios.Scenario scenario : all) {
                assertTrue(scenario.text().startsWith("#"), scenario.name() + " must open with a comment saying what it "
                    + "checks and which rule");
                assertTrue(Scenarios.parse(scenario).hasExpectation(), scenario.name() + " has no expected transcript");
            }
        }));
    }

    private static DynamicTest test(final Scenarios.Scenario scenario, final KernelProfile profile) {
        final String traits = (profile.sixOneMm() ? ", kernel=6.1" : "") + (profile.zeroPage() ? "" : ", zero-page=no")
            + (profile.trait(io.vmarena.vm.KernelTrait.DONTUNMAP_SETTLES) ? ", dontunmap-settles" : "")
            + (profile.architecture() == Architecture.X86_64 ? "" : ", " + profile.architecture().displayName());
        return DynamicTest.dynamicTest(scenario.name() + " @ " + profile.pageSize() / 1024 + " KiB" + traits, () -> {
            final Script script = Scenarios.parse(scenario);
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(profile, 64L << 20)) {
                final List<String> expected = script.expectedFor(space.capabilities());
                final List<String> actual = Transcripts.withoutTrailingBlankLines(new ScenarioRunner(space).run(script));
                assertEquals(String.join("\n", expected), String.join("\n", actual),
                    () -> String.join("\n", UnifiedDiff.diff("expected", expected, "simulator", actual)));
            }
        });
    }
}
