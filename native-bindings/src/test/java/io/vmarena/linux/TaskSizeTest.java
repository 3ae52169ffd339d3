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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * The simulator's TASK_SIZE for this machine's architecture is the kernel's: the last page below
 * it can be mapped (or is mapped already), the first page at it cannot. Run on x86-64 here and on
 * arm64 in .ci/arm64's VM, where TASK_SIZE is 2^48, not x86-64's 2^47 less a page. A kernel with
 * a wider address space (arm64 with 52-bit virtual addresses: Debian's 4 KiB kernel on a CPU
 * with LPA2, as qemu's "max"; x86-64 with 5-level paging) maps past that limit when asked with
 * an address; its own limit is then checked the same way and the test aborts, since the
 * simulator does not play it. FIXED_NOREPLACE never replaces anything: the probe is harmless.
 */
class TaskSizeTest {
    @Test
    void shouldMapTheLastPageBelowTheSimulatedTaskSizeAndNotThePageAtIt() {
        final AddressSpace linux = AddressSpaces.open("linux");
        final Architecture architecture = Architecture.ofOsArch(System.getProperty("os.arch"));
        final long pageSize = linux.pageSize();
        final long taskSizeBytes = KernelProfile.LINUX_6_17.withArchitecture(architecture).withPageSize(pageSize)
            .taskSizeBytes();
        assertMapsBelow(linux, taskSizeBytes);
        if (!mapsAt(linux, taskSizeBytes)) {
            return;
        }
        final long wideBytes = architecture == Architecture.ARM64 ? 1L << 52 : (1L << 56) - pageSize;
        assertMapsBelow(linux, wideBytes);
        final VmException beyond = assertThrows(VmException.class,
            () -> linux.map(wideBytes, pageSize, Protection.NONE, MapFlags.FIXED_NOREPLACE));
        assertEquals(Errno.ENOMEM, beyond.errno(), beyond.getMessage());
        abort("this kernel's TASK_SIZE is 0x" + Long.toHexString(wideBytes) + " (" + (architecture == Architecture.ARM64
            ? "52-bit virtual addresses" : "5-level paging") + "), wider than the simulated " + architecture
            .displayName() + "'s 0x" + Long.toHexString(taskSizeBytes) + ", which the simulator does not play");
    }

    /** The page below {@code limitBytes} can be mapped, or something of the process is there already. */
    private static void assertMapsBelow(final AddressSpace linux, final long limitBytes) {
        final long pageSize = linux.pageSize();
        try {
            assertEquals(limitBytes - pageSize,
                linux.map(limitBytes - pageSize, pageSize, Protection.NONE, MapFlags.FIXED_NOREPLACE));
            linux.unmap(limitBytes - pageSize, pageSize);
        } catch (final VmException occupied) {
            assertEquals(Errno.EEXIST, occupied.errno(), occupied.getMessage());
        }
    }

    /** Whether the page at {@code address} can be mapped (it is unmapped again); false on ENOMEM. */
    private static boolean mapsAt(final AddressSpace linux, final long address) {
        try {
            linux.map(address, linux.pageSize(), Protection.NONE, MapFlags.FIXED_NOREPLACE);
        } catch (final VmException refused) {
            assertEquals(Errno.ENOMEM, refused.errno(), refused.getMessage());
            return false;
        }
        linux.unmap(address, linux.pageSize());
        return true;
    }
}
