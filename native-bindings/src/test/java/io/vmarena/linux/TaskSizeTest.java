package io.vmarena.linux;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.Errno;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.Architecture;
import io.vmarena.vm.sim.KernelProfile;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The simulator's TASK_SIZE for this machine's architecture is the kernel's: the last page below
 * it can be mapped (or is mapped already), the first page at it cannot. Run on x86-64 here and on
 * arm64 in .ci/arm64's VM, where TASK_SIZE is 2^48, not x86-64's 2^47 less a page. FIXED_NOREPLACE
 * never replaces anything, so the probe is harmless wherever it lands.
 */
class TaskSizeTest {
    @Test
    void shouldMapTheLastPageBelowTheSimulatedTaskSizeAndNotThePageAtIt() throws Exception {
        final AddressSpace linux = AddressSpaces.open("linux");
        final String osArch = System.getProperty("os.arch");
        assumeFalse(osArch.equals("amd64") && fiveLevelPaging(),
            "this x86-64 CPU has 5-level paging (la57): TASK_SIZE may be 2^56 less a page, which the simulator does "
                + "not play");
        final long pageSize = linux.pageSize();
        final long taskSizeBytes = KernelProfile.LINUX_6_17.withArchitecture(Architecture.ofOsArch(osArch))
            .withPageSize(pageSize).taskSizeBytes();
        final long below = taskSizeBytes - pageSize;
        try {
            assertEquals(below, linux.map(below, pageSize, Protection.NONE, MapFlags.FIXED_NOREPLACE));
            linux.unmap(below, pageSize);
        } catch (final VmException occupied) {
            // Something of the process's own is there (a stack at the very top): still below the limit.
            assertEquals(Errno.EEXIST, occupied.errno(), occupied.getMessage());
        }
        final VmException beyond = assertThrows(VmException.class,
            () -> linux.map(taskSizeBytes, pageSize, Protection.NONE, MapFlags.FIXED_NOREPLACE));
        assertEquals(Errno.ENOMEM, beyond.errno(), beyond.getMessage());
    }

    private static boolean fiveLevelPaging() throws Exception {
        final String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"), StandardCharsets.US_ASCII);
        return cpuinfo.matches("(?s).*\\bla57\\b.*");
    }
}
