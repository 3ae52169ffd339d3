package io.vmarena.vm.sim;

import io.vmarena.vm.Errno;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.VmException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * TASK_SIZE by architecture, as the arm64 VM of .ci/arm64 measured it: x86-64 keeps 2^47 less a
 * page, arm64 (48-bit virtual addresses, 4 or 16 KiB pages) has 2^48. The simulator refuses a
 * growth past it with EINVAL, as mremap does (its FIXED destinations never get that far: the
 * guard refuses any outside the simulated process first).
 */
class ArchitectureTest {
    @Test
    void shouldPlayTheTaskSizeOfEachArchitecture() {
        assertEquals((1L << 47) - 4096, KernelProfile.LINUX_6_17.taskSizeBytes());
        assertEquals((1L << 47) - 16384, KernelProfile.LINUX_6_17.withPageSize(16384).taskSizeBytes());
        assertEquals(1L << 48, KernelProfile.LINUX_6_17_ARM64.taskSizeBytes());
        assertEquals(1L << 48, KernelProfile.LINUX_6_17_ARM64.withPageSize(16384).taskSizeBytes());
        assertEquals(Architecture.ARM64, KernelProfile.LINUX_6_17_ARM64.withPageSize(65536).architecture());
    }

    @Test
    void shouldRefuseAGrowthPastTaskSizeWithEinvalAndBelowItForWantOfRoom() {
        final long pageSize = 16384;
        // 2^47 bytes: past x86-64's TASK_SIZE (EINVAL, checked first), within arm64's, where the
        // 4 MiB simulated process has no room for them (ENOMEM).
        assertEquals(Errno.EINVAL, growTo(KernelProfile.LINUX_6_17.withPageSize(pageSize), 1L << 47));
        assertEquals(Errno.ENOMEM, growTo(KernelProfile.LINUX_6_17_ARM64.withPageSize(pageSize), 1L << 47));
        assertEquals(Errno.EINVAL, growTo(KernelProfile.LINUX_6_17_ARM64.withPageSize(pageSize), (1L << 48) + pageSize));
    }

    @Test
    void shouldNameTheArchitecturesOfOsArch() {
        assertEquals(Architecture.X86_64, Architecture.ofOsArch("amd64"));
        assertEquals(Architecture.ARM64, Architecture.ofOsArch("aarch64"));
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> Architecture.ofOsArch("riscv64"));
        assertEquals("the simulator plays amd64 (x86-64) and aarch64 (arm64), not os.arch 'riscv64'",
            refused.getMessage());
    }

    @Test
    void shouldSayArm64InTheProfilesDescription() {
        assertEquals(true, KernelProfile.LINUX_6_17_ARM64.withPageSize(16384).toString()
            .startsWith("Linux 6.17 (simulated; arm64, 16 KiB pages,"), KernelProfile.LINUX_6_17_ARM64.toString());
        assertEquals(true, KernelProfile.LINUX_6_17.toString().startsWith("Linux 6.17 (simulated; 4 KiB pages,"));
    }

    /** Grows one page of a fresh simulator to {@code newLengthBytes} (MAYMOVE): every case here fails. */
    private static Errno growTo(final KernelProfile profile, final long newLengthBytes) {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(profile, 4L << 20)) {
            final long pageSize = profile.pageSize();
            final long source = space.map(0, pageSize, Protection.READ_WRITE, 0);
            return assertThrows(VmException.class,
                () -> space.remap(source, pageSize, newLengthBytes, RemapFlags.MAYMOVE, 0)).errno();
        }
    }
}
