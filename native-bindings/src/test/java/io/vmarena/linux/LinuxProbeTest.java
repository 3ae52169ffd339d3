package io.vmarena.linux;

import io.vmarena.vm.Capabilities;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        if (atLeast(release, 4, 4)) {
            assertTrue(capabilities.lockOnFault().available(), capabilities.lockOnFault().reason());
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

    @Test
    void shouldDerivePudFromPmdAndThePageSize() {
        assertEquals(capabilities.pmdBytes() * (capabilities.pageSize() / 8), capabilities.pudBytes());
        if (capabilities.pageSize() == 4096) {
            assertEquals(2L << 20, capabilities.pmdBytes());
            assertEquals(1L << 30, capabilities.pudBytes());
        }
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
