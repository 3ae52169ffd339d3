package io.vmarena.ops;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.sim.Architecture;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Seeded random scripts run on this machine's kernel and on the simulator (the Linux 6.17
 * profile, or 7.3 on a kernel from 7.3 on, with this machine's architecture and page size and
 * this kernel's traits as the probe found them: the zero page mapped or not);
 * their transcripts must be equal. {@code -Dvmarena.differential.count=N} runs N
 * scripts (2,000 by default), {@code -Dvmarena.differential.seed=S} starts at seed S (0 by
 * default, so every run checks the same scripts; vary it to explore). A divergence prints the
 * seed and the shortest script that still diverges, ready to save as an .ops file.
 */
class DifferentialTest {
    private static final int MAX_REPORTS = 3;

    @Test
    void shouldPrintTheKernelsTranscriptForRandomScripts() {
        final AddressSpace linux = AddressSpaces.open("linux");
        assumeTrue(linux.capabilities().multiVmaMove().available(),
            "the simulator plays Linux 6.17; this kernel lacks multi-VMA moves: " + linux.capabilities()
                .multiVmaMove().reason());
        assumeTrue(linux.capabilities().ipcLock().available(),
            "the scripts assume CAP_IPC_LOCK (no memlock limit), which this process lacks");
        final int count = Integer.getInteger("vmarena.differential.count", 2000);
        final long firstSeed = Long.getLong("vmarena.differential.seed", 0L);
        final SimulatedAddressSpace[] last = new SimulatedAddressSpace[1];
        final Differential differential = new Differential(() -> linux, () -> {
            last[0] = new SimulatedAddressSpace(profileOf(linux), 64L << 20);
            return last[0];
        }, () -> last[0].close());
        final List<String> reports = new ArrayList<>();
        final long started = System.nanoTime();
        long seed = firstSeed;
        for (; seed < firstSeed + count && reports.size() < MAX_REPORTS; seed++) {
            final String report = differential.compare("seed " + seed, RandomScripts.generate(seed));
            if (report != null) {
                reports.add(report);
            }
        }
        System.out.printf("differential: %d scripts from seed %d in %.1f s (%s), %d divergent%s%n", seed - firstSeed,
            firstSeed, (System.nanoTime() - started) / 1e9, profileOf(linux), reports.size(),
            reports.size() == MAX_REPORTS ? " (stopped at the first " + MAX_REPORTS + ")" : "");
        assertEquals(List.of(), reports, () -> String.join("\n\n", reports));
    }

    @Test
    void shouldPlayTheSimulatedKernelClosestFromBelow() {
        assertEquals("6.17", playedKernel("6.18.44-fc-v1300"));
        assertEquals("6.17", playedKernel("7.2.12+deb13-arm64"));
        assertEquals("7.3", playedKernel("7.3.4+deb13-arm64-16k"));
        assertEquals("7.3", playedKernel("8.0.1"));
        assertEquals("6.17", playedKernel("unknown"));
    }

    /**
     * The simulated kernel this one is compared with: its architecture (TASK_SIZE), its page size
     * and every trait the probe found.
     */
    static KernelProfile profileOf(final AddressSpace linux) {
        KernelProfile profile = KernelProfile.forKernel(playedKernel(linux.capabilities().kernelRelease()))
            .withArchitecture(Architecture.ofOsArch(System.getProperty("os.arch"))).withPageSize(linux.pageSize());
        for (final KernelTrait trait : KernelTrait.values()) {
            profile = profile.withTrait(trait, linux.capabilities().has(trait));
        }
        return profile;
    }

    /**
     * The simulated kernel closest to {@code release} from below: 7.3 from 7.3 on (measured in
     * .ci/arm64's VM), else 6.17 (this machine's 6.18). Kernels between the two were not run:
     * where they differ from 6.17, this test says so.
     */
    static String playedKernel(final String release) {
        final Matcher version = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!version.find()) {
            return "6.17";
        }
        final int major = Integer.parseInt(version.group(1));
        final int minor = Integer.parseInt(version.group(2));
        return major > 7 || major == 7 && minor >= 3 ? "7.3" : "6.17";
    }
}
