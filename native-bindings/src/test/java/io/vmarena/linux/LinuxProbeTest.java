package io.vmarena.linux;

import io.vmarena.vm.Capabilities;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The probe's experiments agree with what the kernel says about itself elsewhere. The version
 * checks only go one way (a release that has a feature upstream must show it); backports may
 * add features to older releases.
 */
class LinuxProbeTest {
    private final Capabilities capabilities = new LinuxProbe().probe();

    @Test
    void shouldFindTheFeaturesEveryReleaseSinceTheirIntroductionHas() {
        final int[] release = release(capabilities.kernelRelease());
        if (atLeast(release, 6, 17)) {
            assertTrue(capabilities.multiVmaMove().available(), capabilities.multiVmaMove().reason());
        }
        if (atLeast(release, 6, 11)) {
            assertTrue(capabilities.procmapQuery().available(), capabilities.procmapQuery().reason());
        }
        if (atLeast(release, 6, 7)) {
            assertTrue(capabilities.pagemapScan().available(), capabilities.pagemapScan().reason());
        }
        if (atLeast(release, 4, 4)) {
            assertTrue(capabilities.lockOnFault().available(), capabilities.lockOnFault().reason());
        }
    }

    @Test
    void shouldReadTheThpModeAndDefragAsTheirBracketedValues() throws IOException {
        final Path thp = Path.of("/sys/kernel/mm/transparent_hugepage");
        for (final String[] setting : new String[][] {{"enabled", capabilities.thpMode()},
            {"defrag", capabilities.thpDefrag()}}) {
            final Path file = thp.resolve(setting[0]);
            if (!Files.exists(file)) {
                assertEquals("unavailable", setting[1], file + " is missing");
                continue;
            }
            final String values = Files.readString(file).trim();
            final String chosen = values.substring(values.indexOf('[') + 1, values.indexOf(']'));
            assertEquals(chosen, setting[1], file + ": " + values);
            assertTrue(List.of(values.replace("[", "").replace("]", "").split(" ")).contains(setting[1]));
        }
    }

    @Test
    void shouldReadTheLimitsTheKernelReports() {
        assertEquals(Long.parseLong(ProcFiles.read("/proc/sys/vm/max_map_count").trim()), capabilities.maxMapCount());
        assertEquals(LibC.sysconf(LibC.SC_PAGESIZE), capabilities.pageSize());
        final String limits = ProcFiles.read("/proc/self/limits");
        final String line = limits.lines().filter(l -> l.startsWith("Max locked memory")).findFirst().orElseThrow();
        final String[] fields = line.substring("Max locked memory".length()).trim().split("\\s+");
        assertEquals(limit(fields[0]), capabilities.memlockSoftBytes());
        assertEquals(limit(fields[1]), capabilities.memlockHardBytes());
    }

    /**
     * The PUD size against a fact the kernel reports on its own: the huge page sizes hugetlbfs
     * offers (/sys/kernel/mm/hugepages/hugepages-KBkB), which are page-table levels. Where the
     * kernel registers a PUD-sized huge page (x86-64 when the CPU maps 1 GiB pages, cpuinfo flag
     * pdpe1gb; arm64 with 4 KiB pages), it is the largest size listed, and the PMD size is listed
     * too. Elsewhere (16 and 64 KiB pages on arm64) nothing independent names the PUD: skipped.
     */
    @Test
    void shouldFindThePudAndPmdSizesAmongTheHugePageSizesTheKernelOffers() throws IOException {
        final Path hugePages = Path.of("/sys/kernel/mm/hugepages");
        final String arch = System.getProperty("os.arch");
        final boolean pudListed = arch.equals("amd64") && cpuFlags().contains("pdpe1gb")
            || arch.equals("aarch64") && capabilities.pageSize() == 4096;
        assumeTrue(pudListed && Files.isDirectory(hugePages), "no independent report of the PUD size here: "
            + arch + " with " + capabilities.pageSize() + "-byte pages lists no PUD-sized huge page in " + hugePages);
        final List<Long> sizes;
        try (Stream<Path> listing = Files.list(hugePages)) {
            sizes = listing.map(path -> path.getFileName().toString())
                .filter(name -> name.matches("hugepages-[0-9]+kB"))
                .map(name -> Long.parseLong(name.replaceAll("[^0-9]", "")) << 10)
                .sorted().collect(Collectors.toList());
        }
        assertFalse(sizes.isEmpty(), "no hugepages-*kB entry in " + hugePages);
        assertEquals(sizes.get(sizes.size() - 1), capabilities.pudBytes(), "huge page sizes " + sizes);
        assertTrue(sizes.contains(capabilities.pmdBytes()), "huge page sizes " + sizes + ", PMD "
            + capabilities.pmdBytes());
    }

    private static String cpuFlags() {
        return ProcFiles.read("/proc/cpuinfo").lines().filter(line -> line.startsWith("flags"))
            .findFirst().orElse("") + " ";
    }

    @Test
    void shouldSayHowItFoundWhetherReadFaultsMapTheZeroPage() {
        final String reason = capabilities.zeroPage().reason();

        // Either answer is a kernel's right; what the probe owes is the measurement it made.
        // The contract tests check the consequences (rss of read pages, mlock of r--, merges)
        // against this answer, through other system calls than the probe's.
        assertTrue(reason.contains("smaps Rss") || reason.contains("could not tell"), reason);
        if (!reason.contains("could not tell")) {
            assertEquals(reason.contains("map the shared zero page"), capabilities.zeroPage().available(), reason);
        }
    }

    @Test
    void shouldSayHowItFoundWhetherADontUnmapMoveSettlesItsSource() {
        final io.vmarena.vm.Feature settles = capabilities.trait(io.vmarena.vm.KernelTrait.DONTUNMAP_SETTLES);
        final String reason = settles.reason();

        // 6.18 does not, Debian's 7.3 does; the scenarios' dontunmap-settles=yes sections check the
        // consequences (locked pieces, locked_vm) on whichever kernel runs them.
        assertTrue(reason.contains("a DONTUNMAP move within a reservation") || reason.contains("could not tell"), reason);
        if (!reason.contains("could not tell")) {
            assertEquals(reason.contains("kept the new VMA apart"), settles.available(), reason);
        }
    }

    private static long limit(final String field) {
        return field.equals("unlimited") ? Capabilities.UNLIMITED : Long.parseLong(field);
    }

    private static int[] release(final String kernelRelease) {
        final String[] parts = kernelRelease.split("[.-]");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }

    private static boolean atLeast(final int[] release, final int major, final int minor) {
        return release[0] > major || release[0] == major && release[1] >= minor;
    }
}
