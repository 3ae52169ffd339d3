package io.vmarena.vm.sim;

/**
 * The CPU architecture a {@link KernelProfile} plays, for what differs between them at the
 * system-call boundary: the user address-space limit, TASK_SIZE. The page size is the profile's
 * own ({@link KernelProfile#withPageSize}): arm64 has 4, 16 and 64 KiB pages.
 */
public enum Architecture {
    /**
     * x86-64 with 4-level page tables: TASK_SIZE is 2^47 less one page (the top page stays
     * unmapped, arch/x86/include/asm/page_64_types.h TASK_SIZE_MAX).
     */
    X86_64("x86-64", "amd64") {
        @Override
        long taskSizeBytes(final long pageSize) {
            return (1L << 47) - pageSize;
        }
    },
    /**
     * arm64 with 48-bit virtual addresses: TASK_SIZE is 2^48, with no page kept back
     * (arch/arm64/include/asm/processor.h TASK_SIZE_64). A kernel built for 52-bit addresses on a
     * CPU that has them (Debian's 4 KiB kernel under qemu's "max" CPU, in .ci/arm64's VM) maps up
     * to 2^52 when asked with an address, and below 2^48 otherwise: not played.
     */
    ARM64("arm64", "aarch64") {
        @Override
        long taskSizeBytes(final long pageSize) {
            return 1L << 48;
        }
    };

    private final String displayName;
    private final String osArch;

    Architecture(final String displayName, final String osArch) {
        this.displayName = displayName;
        this.osArch = osArch;
    }

    /** The user address-space limit: no mapping, move or unmap may reach past it. */
    abstract long taskSizeBytes(long pageSize);

    /** {@code x86-64} or {@code arm64}. */
    public String displayName() {
        return displayName;
    }

    /**
     * The architecture of a JVM's {@code os.arch} ({@code amd64}, {@code aarch64}).
     *
     * @throws IllegalArgumentException for any other architecture, naming the ones the simulator plays
     */
    public static Architecture ofOsArch(final String osArch) {
        for (final Architecture architecture : values()) {
            if (architecture.osArch.equals(osArch)) {
                return architecture;
            }
        }
        throw new IllegalArgumentException("the simulator plays amd64 (x86-64) and aarch64 (arm64), not os.arch '"
            + osArch + "'");
    }
}
