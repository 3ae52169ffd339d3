package io.vmarena.ops;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator without the zero page against itself with it, on the differential test's
 * seeded random scripts. No kernel without the zero page is at hand to compare with (this
 * project's machine maps it), so this is not a differential test against a kernel: that one is
 * {@code DifferentialTest}, which takes the trait from the probe and so compares this model
 * with a kernel without the zero page wherever it runs on one. What holds here: the trait
 * changes nothing but what read faults do, so a script during which no read fault allocated a
 * page prints the same transcript under both, and every script runs to its end under both.
 * {@code -Dvmarena.differential.count=N} and {@code -Dvmarena.differential.seed=S} as there.
 */
class ZeroPageDifferentialTest {
    private static final int MAX_REPORTS = 3;

    @Test
    void shouldDifferFromTheZeroPageKernelOnlyWhereAReadFaultAllocated() {
        final int count = Integer.getInteger("vmarena.differential.count", 500);
        final long firstSeed = Long.getLong("vmarena.differential.seed", 0L);
        final List<String> reports = new ArrayList<>();
        int readAllocated = 0;
        int differed = 0;
        for (long seed = firstSeed; seed < firstSeed + count && reports.size() < MAX_REPORTS; seed++) {
            final Script script = parse(seed);
            final List<String> withZeroPage = run(script, KernelProfile.LINUX_6_17, new long[1]);
            final long[] allocated = new long[1];
            final List<String> without = run(script, KernelProfile.LINUX_6_17.withZeroPage(false), allocated);
            readAllocated += allocated[0] > 0 ? 1 : 0;
            differed += withZeroPage.equals(without) ? 0 : 1;
            if (allocated[0] == 0 && !withZeroPage.equals(without) || hasException(withZeroPage)
                || hasException(without)) {
                reports.add("seed " + seed + ": " + allocated[0] + " pages allocated by reads\n" + String.join("\n",
                    UnifiedDiff.diff("zero page", withZeroPage, "no zero page", without)));
            }
        }
        System.out.printf("zero-page differential: %d scripts from seed %d, %d with reads that allocated, %d of them "
            + "printed another transcript%n", count, firstSeed, readAllocated, differed);
        assertEquals(List.of(), reports, () -> String.join("\n\n", reports));
        assertTrue(count < 100 || readAllocated > 0 && differed > 0, "the scripts never exercised the trait");
    }

    private static Script parse(final long seed) {
        try {
            return ScriptParser.parse("seed " + seed, RandomScripts.generate(seed));
        } catch (final ScriptSyntaxException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private static List<String> run(final Script script, final KernelProfile profile, final long[] pagesAllocatedByReads) {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(profile, 64L << 20)) {
            try {
                return new ScenarioRunner(space).run(script);
            } catch (final RuntimeException e) {
                return List.of("EXCEPTION " + e);
            } finally {
                pagesAllocatedByReads[0] = space.pagesAllocatedByReads();
            }
        }
    }

    private static boolean hasException(final List<String> transcript) {
        return !transcript.isEmpty() && transcript.get(0).startsWith("EXCEPTION");
    }
}
