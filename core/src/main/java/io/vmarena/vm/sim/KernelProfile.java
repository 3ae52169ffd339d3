package io.vmarena.vm.sim;

import io.vmarena.vm.Capabilities;
import io.vmarena.vm.KernelTrait;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the simulated kernel can do and the limits it runs under. Immutable; the withers return
 * a changed copy. The kernels it plays:
 * <ul>
 *   <li>{@link #LINUX_6_17}: multi-VMA moves, MLOCK_ONFAULT, PROCMAP_QUERY, and Linux 6.18's
 *       quirks (the DONTUNMAP locked-memory leak, kernel-semantics DU4);</li>
 *   <li>{@link #LINUX_6_1}: Debian 12's kernel, as .ci/old-kernel's VM measured it: the mm code
 *       of 6.1 ({@link #sixOneMm}): no multi-VMA moves (a move across VMAs fails with EFAULT,
 *       after the FIXED target was unmapped), no PROCMAP_QUERY (6.11+), vma_merge before the
 *       6.12 rework, mremap before 6.17, and smaps without {@code lf}.</li>
 * </ul>
 * Defaults: x86-64 ({@link #withArchitecture}; {@link #LINUX_6_17_ARM64} plays arm64), 4 KiB
 * pages, RLIMIT_MEMLOCK 8 MiB, CAP_IPC_LOCK held, vm.max_map_count 65530, no
 * other mappings in the process, and every {@link KernelTrait} as upstream x86-64 and arm64
 * kernels have it (a read fault maps the shared zero page); {@link #withTrait} plays a build
 * that differs.
 */
public final class KernelProfile {
    /** RLIMIT_MEMLOCK without a limit. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    /** The simulated page size unless {@link #withPageSize} says otherwise: 4 KiB, as on x86-64. */
    private static final long DEFAULT_PAGE_SIZE = 4L << 10;

    public static final KernelProfile LINUX_6_17 = new KernelProfile("6.17", true, true, DEFAULT_PAGE_SIZE, 8L << 20,
        true, 65530, 0, upstreamTraits(), true, true, Architecture.X86_64);
    /**
     * {@link #LINUX_6_17} on arm64 (TASK_SIZE 2^48); give it the page size of the machine it
     * stands for with {@link #withPageSize}.
     */
    public static final KernelProfile LINUX_6_17_ARM64 = LINUX_6_17.withArchitecture(Architecture.ARM64);
    /**
     * {@link #LINUX_6_17} with what Debian's arm64 kernel 7.3 showed the differential test (in
     * .ci/arm64's VM): a DONTUNMAP move of locked memory splits the moved piece off its source
     * VMA and unlocks that piece only, lowering locked_vm by its length (no DU4 leak), and the
     * VMA it makes never merges with the source VMA it came from.
     */
    public static final KernelProfile LINUX_7_3 = new KernelProfile("7.3", true, true, DEFAULT_PAGE_SIZE, 8L << 20,
        true, 65530, 0, upstreamTraits(), true, true, Architecture.X86_64).withTrait(KernelTrait.DONTUNMAP_SETTLES, true);
    public static final KernelProfile LINUX_6_1 = new KernelProfile("6.1", false, false, DEFAULT_PAGE_SIZE, 8L << 20,
        true, 65530, 0, upstreamTraits(), true, true, Architecture.X86_64);

    private final String kernel;
    private final boolean multiVmaMove;
    private final boolean procmapQuery;
    private final long pageSize;
    private final long memlockBytes;
    private final boolean ipcLock;
    private final long maxMapCount;
    private final long otherMappings;
    /** The traits this kernel has (an unmodifiable copy). */
    private final Set<KernelTrait> traits;
    /** Whether mlock2 takes MLOCK_ONFAULT (Linux 4.4+); without it the flag is EINVAL. */
    private final boolean lockOnFault;
    /** Whether madvise takes MADV_POPULATE_WRITE (Linux 5.14+); without it the advice is EINVAL. */
    private final boolean populateWrite;
    /** The CPU architecture played: what TASK_SIZE is. */
    private final Architecture architecture;
    /** {@link #sixOneMm}: a version fact of {@link #LINUX_6_1}, not a trait of a build. */
    private final boolean sixOneMm;

    private KernelProfile(final String kernel, final boolean multiVmaMove, final boolean procmapQuery,
        final long pageSize, final long memlockBytes, final boolean ipcLock, final long maxMapCount,
        final long otherMappings, final Set<KernelTrait> traits, final boolean lockOnFault,
        final boolean populateWrite, final Architecture architecture) {
        if (pageSize != 4L << 10 && pageSize != 16L << 10 && pageSize != 64L << 10) { // the 4, 16 and 64 KiB of arm64
            throw new IllegalArgumentException("the simulated page size must be 4, 16 or 64 KiB (4096, 16384 or "
                + "65536 bytes), got " + pageSize);
        }
        if (memlockBytes < 0 || maxMapCount < 1 || otherMappings < 0) {
            throw new IllegalArgumentException("memlock, max_map_count and other mappings must not be negative");
        }
        this.kernel = kernel;
        this.multiVmaMove = multiVmaMove;
        this.procmapQuery = procmapQuery;
        this.pageSize = pageSize;
        this.memlockBytes = memlockBytes;
        this.ipcLock = ipcLock;
        this.maxMapCount = maxMapCount;
        this.otherMappings = otherMappings;
        this.traits = traits;
        this.lockOnFault = lockOnFault;
        this.populateWrite = populateWrite;
        this.architecture = architecture;
        this.sixOneMm = "6.1".equals(kernel);
    }

    private static Set<KernelTrait> upstreamTraits() {
        final Set<KernelTrait> upstream = EnumSet.noneOf(KernelTrait.class);
        for (final KernelTrait trait : KernelTrait.values()) {
            if (trait.upstream()) {
                upstream.add(trait);
            }
        }
        return Collections.unmodifiableSet(upstream);
    }

    /** {@code 7.3}, {@code 6.17} or {@code 6.1}. */
    public static KernelProfile forKernel(final String kernel) {
        switch (kernel) {
            case "7.3":
                return LINUX_7_3;
            case "6.17":
                return LINUX_6_17;
            case "6.1":
                return LINUX_6_1;
            default:
                throw new IllegalArgumentException("the simulator plays kernel 7.3, 6.17 or 6.1, got '" + kernel + "'");
        }
    }

    /**
     * The simulated kernel that plays a kernel with these capabilities: {@link #LINUX_6_1} where
     * a move across VMAs fails (before 6.17; 6.1 is the one such kernel measured, in
     * .ci/old-kernel's VM), else {@link #LINUX_6_17}, with every trait as the capabilities have
     * it ({@link #LINUX_7_3} is 6.17 with one). Page size and architecture stay the defaults.
     */
    public static KernelProfile forCapabilities(final Capabilities capabilities) {
        KernelProfile profile = capabilities.multiVmaMove().available() ? LINUX_6_17 : LINUX_6_1;
        for (final KernelTrait trait : KernelTrait.values()) {
            profile = profile.withTrait(trait, capabilities.has(trait));
        }
        return profile;
    }

    public KernelProfile withPageSize(final long bytes) {
        return new KernelProfile(kernel, multiVmaMove, procmapQuery, bytes, memlockBytes, ipcLock, maxMapCount,
            otherMappings, traits, lockOnFault, populateWrite, architecture);
    }

    /** RLIMIT_MEMLOCK (soft and hard) in bytes, or {@link #UNLIMITED}. */
    public KernelProfile withMemlock(final long bytes) {
        return new KernelProfile(kernel, multiVmaMove, procmapQuery, pageSize, bytes, ipcLock, maxMapCount,
            otherMappings, traits, lockOnFault, populateWrite, architecture);
    }

    public KernelProfile withIpcLock(final boolean held) {
        return new KernelProfile(kernel, multiVmaMove, procmapQuery, pageSize, memlockBytes, held, maxMapCount,
            otherMappings, traits, lockOnFault, populateWrite, architecture);
    }

    public KernelProfile withMaxMapCount(final long count) {
        return new KernelProfile(kernel, multiVmaMove, procmapQuery, pageSize, memlockBytes, ipcLock, count,
            otherMappings, traits, lockOnFault, populateWrite, architecture);
    }

    /** VMAs the simulated process has besides the ones made through the simulator (the JVM's own). */
    public KernelProfile withOtherMappings(final long count) {
        return new KernelProfile(kernel, multiVmaMove, procmapQuery, pageSize, memlockBytes, ipcLock, maxMapCount,
            count, traits, lockOnFault, populateWrite, architecture);
    }

    /**
     * This profile with {@code trait} held or not: {@code withTrait(ZERO_PAGE, false)} plays a
     * build whose read faults allocate pages.
     */
    public KernelProfile withTrait(final KernelTrait trait, final boolean held) {
        final Set<KernelTrait> changed = traits.isEmpty() ? EnumSet.noneOf(KernelTrait.class) : EnumSet.copyOf(traits);
        if (held) {
            changed.add(trait);
        } else {
            changed.remove(trait);
        }
        return new KernelProfile(kernel, multiVmaMove, procmapQuery, pageSize, memlockBytes, ipcLock, maxMapCount,
            otherMappings, Collections.unmodifiableSet(changed), lockOnFault, populateWrite, architecture);
    }

    /**
     * Whether a read fault of untouched private memory maps the shared zero page (true, the
     * default, as upstream x86-64 and arm64) or allocates a page (kernel-semantics, "One build,
     * not every kernel").
     */
    public KernelProfile withZeroPage(final boolean mapsZeroPage) {
        return withTrait(KernelTrait.ZERO_PAGE, mapsZeroPage);
    }

    /** This profile with every trait of {@code other}: what changing the kernel keeps. */
    public KernelProfile withTraitsOf(final KernelProfile other) {
        KernelProfile changed = this;
        for (final KernelTrait trait : KernelTrait.values()) {
            changed = changed.withTrait(trait, other.trait(trait));
        }
        return changed;
    }

    /**
     * This profile with or without MLOCK_ONFAULT: without it, as before Linux 4.4, mlock2 with the
     * flag fails with EINVAL and the capabilities say the feature is absent, and why.
     */
    public KernelProfile withLockOnFault(final boolean held) {
        return new KernelProfile(kernel, multiVmaMove, procmapQuery, pageSize, memlockBytes, ipcLock, maxMapCount,
            otherMappings, traits, held, populateWrite, architecture);
    }

    /** This profile on {@code played}: x86-64 (the default) or arm64. */
    public KernelProfile withArchitecture(final Architecture played) {
        return new KernelProfile(kernel, multiVmaMove, procmapQuery, pageSize, memlockBytes, ipcLock, maxMapCount,
            otherMappings, traits, lockOnFault, populateWrite, played);
    }

    /** This profile with or without MADV_POPULATE_WRITE: without it, as before Linux 5.14, the advice is EINVAL. */
    public KernelProfile withPopulateWrite(final boolean held) {
        return new KernelProfile(kernel, multiVmaMove, procmapQuery, pageSize, memlockBytes, ipcLock, maxMapCount,
            otherMappings, traits, lockOnFault, held, architecture);
    }

    public boolean lockOnFault() {
        return lockOnFault;
    }

    public boolean populateWrite() {
        return populateWrite;
    }

    public boolean trait(final KernelTrait trait) {
        return traits.contains(trait);
    }

    /** Whether a read fault maps the shared zero page ({@link #withZeroPage}). */
    public boolean zeroPage() {
        return trait(KernelTrait.ZERO_PAGE);
    }

    public String kernel() {
        return kernel;
    }

    /**
     * Whether a DONTUNMAP move gives back the locked_vm of the locked memory it moved out, and
     * keeps the VMA it made apart from its source VMA (7.3); 6.18 leaks it (kernel-semantics DU4)
     * and merges them: {@link KernelTrait#DONTUNMAP_SETTLES}.
     */
    boolean dontUnmapSettlesSource() {
        return trait(KernelTrait.DONTUNMAP_SETTLES);
    }

    /**
     * Whether the simulated kernel runs Linux 6.1's mm code, as measured on Debian 12's 6.1 in
     * .ci/old-kernel's VM (docs/DESIGN.md, "Linux 6.1"):
     * <ul>
     *   <li>vma_merge asks is_mergeable_anon_vma of the VMA kept: a faulted range never joins an
     *       unfaulted neighbour (6.12+ lends it the anon_vma), and a new mapping tries its next
     *       neighbour first;</li>
     *   <li>mremap_to unmaps a FIXED target and a shrink's tail before it checks the source,
     *       so a failed move may leave the target unmapped; a grow beyond TASK_SIZE is ENOMEM;</li>
     *   <li>a DONTUNMAP move leaves locked_vm as it was (no DU4 leak of the moved length; what
     *       did not move of an unlocked source stays counted);</li>
     *   <li>MADV_POPULATE_WRITE walks on past holes; a madvise split refused at
     *       vm.max_map_count is EAGAIN;</li>
     *   <li>mprotect to read-only keeps VM_ACCOUNT;</li>
     *   <li>smaps shows VM_LOCKED ({@code lo}) but not VM_LOCKONFAULT ({@code lf}).</li>
     * </ul>
     */
    public boolean sixOneMm() {
        return sixOneMm;
    }

    /** Whether smaps shows VM_LOCKONFAULT ({@code lf}): not on 6.1. */
    public boolean lockOnFaultShown() {
        return !sixOneMm;
    }

    public boolean multiVmaMove() {
        return multiVmaMove;
    }

    public boolean procmapQuery() {
        return procmapQuery;
    }

    public long pageSize() {
        return pageSize;
    }

    public long memlockBytes() {
        return memlockBytes;
    }

    public boolean ipcLock() {
        return ipcLock;
    }

    public long maxMapCount() {
        return maxMapCount;
    }

    public long otherMappings() {
        return otherMappings;
    }

    public Architecture architecture() {
        return architecture;
    }

    /**
     * The user address-space limit, TASK_SIZE, of the {@link #architecture} played: a map, move
     * or unmap that would reach past it is refused.
     */
    public long taskSizeBytes() {
        return architecture.taskSizeBytes(pageSize);
    }

    @Override
    public String toString() {
        return "Linux " + kernel + " (simulated; " + (architecture == Architecture.X86_64 ? ""
            : architecture.displayName() + ", ") + pageSize / 1024 + " KiB pages, memlock "
            + (memlockBytes == UNLIMITED ? "unlimited" : memlockBytes + " bytes") + (ipcLock ? ", CAP_IPC_LOCK" : "")
            + ", max_map_count " + maxMapCount + (lockOnFault ? "" : ", no MLOCK_ONFAULT")
            + (populateWrite ? "" : ", no MADV_POPULATE_WRITE") + traitsText() + ")";
    }

    /** The traits that differ from upstream, e.g. {@code , no zero page}. */
    private String traitsText() {
        final StringBuilder text = new StringBuilder();
        for (final KernelTrait trait : KernelTrait.values()) {
            if (trait(trait) != trait.upstream()) {
                text.append(trait(trait) ? ", " : ", no ").append(trait.displayName());
            }
        }
        return text.toString();
    }
}
