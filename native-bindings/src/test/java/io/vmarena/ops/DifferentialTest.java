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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Seeded random scripts run on this machine's kernel and on the simulator (the Linux 6.17
 * profile, or 6.1 on a kernel without multi-VMA moves, with this machine's architecture and page
 * size and this kernel's traits as the probe found them: {@link #profileOf});
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
    void shouldPlayTheKernelWhoseFeaturesAndTraitsTheProbeFound() {
        final KernelProfile old = KernelProfile.LINUX_6_1.withZeroPage(false).withPageSize(16384);
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(old, 1L << 20)) {
            final KernelProfile played = profileOf(space);
            assertEquals("6.1", played.kernel());
            assertEquals(false, played.multiVmaMove());
            assertEquals(false, played.zeroPage());
            assertEquals(16384, played.pageSize());
        }
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_7_3, 1L << 20)) {
            assertEquals(true, profileOf(space).trait(KernelTrait.DONTUNMAP_SETTLES));
            assertEquals(true, profileOf(space).multiVmaMove());
        }
    }

    /**
     * The simulated kernel this one is compared with, from what the probe found, never from the
     * version string ({@link KernelProfile#forCapabilities}: 6.1 where a move across VMAs fails,
     * else 6.17, with every trait as found), on this machine's architecture (TASK_SIZE) and page
     * size.
     */
    static KernelProfile profileOf(final AddressSpace linux) {
        return KernelProfile.forCapabilities(linux.capabilities())
            .withArchitecture(Architecture.ofOsArch(System.getProperty("os.arch"))).withPageSize(linux.pageSize());
    }
}
