package io.vmarena.vm;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What an address space can do, found by experiment when it starts (never by parsing a version
 * string), and the limits it runs under. Immutable; build one with {@link #builder()}.
 */
public final class Capabilities {
    /** The value of a limit that is {@code RLIM_INFINITY}. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final String backend;
    private final Feature multiVmaMove;
    private final Feature lockOnFault;
    private final Feature lockOnFaultShown;
    private final Feature procmapQuery;
    private final Feature pagemapScan;
    private final Feature ipcLock;
    private final long pageSize;
    private final long pmdBytes;
    private final String thpMode;
    private final String thpDefrag;
    private final long memlockSoftBytes;
    private final long memlockHardBytes;
    private final long maxMapCount;
    private final String kernelRelease;
    private final String architecture;
    private final Map<KernelTrait, Feature> traits;

    private Capabilities(final Builder builder) {
        backend = Objects.requireNonNull(builder.backend, "backend");
        multiVmaMove = Objects.requireNonNull(builder.multiVmaMove, "multiVmaMove");
        lockOnFault = Objects.requireNonNull(builder.lockOnFault, "lockOnFault");
        lockOnFaultShown = Objects.requireNonNull(builder.lockOnFaultShown, "lockOnFaultShown");
        procmapQuery = Objects.requireNonNull(builder.procmapQuery, "procmapQuery");
        pagemapScan = Objects.requireNonNull(builder.pagemapScan, "pagemapScan");
        ipcLock = Objects.requireNonNull(builder.ipcLock, "ipcLock");
        pageSize = requirePowerOfTwo(builder.pageSize, "pageSize");
        pmdBytes = requirePowerOfTwo(builder.pmdBytes, "pmdBytes");
        thpMode = Objects.requireNonNull(builder.thpMode, "thpMode");
        thpDefrag = Objects.requireNonNull(builder.thpDefrag, "thpDefrag");
        memlockSoftBytes = builder.memlockSoftBytes;
        memlockHardBytes = builder.memlockHardBytes;
        maxMapCount = builder.maxMapCount;
        kernelRelease = Objects.requireNonNull(builder.kernelRelease, "kernelRelease");
        architecture = Objects.requireNonNull(builder.architecture, "architecture");
        for (final KernelTrait trait : KernelTrait.values()) {
            Objects.requireNonNull(builder.traits.get(trait), trait.optionName());
        }
        traits = new EnumMap<>(builder.traits);
    }

    private static long requirePowerOfTwo(final long value, final String name) {
        if (value <= 0 || Long.bitCount(value) != 1) {
            throw new IllegalArgumentException(name + " must be a power of two, got " + value);
        }
        return value;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Which backend these describe: {@code linux} or {@code sim}, with a detail in brackets. */
    public String backend() {
        return backend;
    }

    /** One {@code mremap(MREMAP_MAYMOVE|MREMAP_FIXED)} may move a range spanning many VMAs (6.17+). */
    public Feature multiVmaMove() {
        return multiVmaMove;
    }

    /** {@code mlock2(MLOCK_ONFAULT)} works (4.4+). */
    public Feature lockOnFault() {
        return lockOnFault;
    }

    /**
     * Whether the kernel shows VM_LOCKONFAULT in smaps (VmFlags {@code lf}): Linux 6.1 does not,
     * so a VMA locked on fault reads as plain locked there and {@link Mapping#lockOnFault()} is
     * always false. Found by locking a page with MLOCK_ONFAULT and reading its flags.
     */
    public Feature lockOnFaultShown() {
        return lockOnFaultShown;
    }

    /** The {@code PROCMAP_QUERY} ioctl on {@code /proc/self/maps} works (6.11+). */
    public Feature procmapQuery() {
        return procmapQuery;
    }

    /**
     * The {@code PAGEMAP_SCAN} ioctl on {@code /proc/self/pagemap} works (6.7+): a range's
     * resident and huge pages in one call, without reading smaps. Where it is absent,
     * {@link AddressSpace#residency} falls back to mincore, which counts a zero-page read as
     * resident. The simulator says present on every profile: it answers from its own pages, as
     * smaps counts them.
     */
    public Feature pagemapScan() {
        return pagemapScan;
    }

    /** The process holds CAP_IPC_LOCK, so RLIMIT_MEMLOCK does not apply. */
    public Feature ipcLock() {
        return ipcLock;
    }

    public long pageSize() {
        return pageSize;
    }

    /** The span of one page-middle-directory entry: the transparent huge page size. */
    public long pmdBytes() {
        return pmdBytes;
    }

    /**
     * The span of one page-upper-directory entry. A page-table page holds pageSize / 8
     * entries, so this is pmdBytes * pageSize / 8: 1 GiB with 4 KiB pages, 64 GiB with 16 KiB.
     */
    public long pudBytes() {
        return pmdBytes * (pageSize / Long.BYTES);
    }

    /** Transparent huge pages: {@code always}, {@code madvise}, {@code never}, or {@code unavailable}. */
    public String thpMode() {
        return thpMode;
    }

    /**
     * How a transparent huge page fault finds a free huge page
     * ({@code /sys/kernel/mm/transparent_hugepage/defrag}): {@code always} (the faulting thread
     * compacts memory, so any fault that gets a huge page may stall), {@code defer},
     * {@code defer+madvise}, {@code madvise} (only MADV_HUGEPAGE ranges stall), {@code never}, or
     * {@code unavailable}.
     */
    public String thpDefrag() {
        return thpDefrag;
    }

    /** RLIMIT_MEMLOCK soft limit in bytes, or {@link #UNLIMITED}. */
    public long memlockSoftBytes() {
        return memlockSoftBytes;
    }

    /** RLIMIT_MEMLOCK hard limit in bytes, or {@link #UNLIMITED}. */
    public long memlockHardBytes() {
        return memlockHardBytes;
    }

    /** {@code vm.max_map_count}: the most VMAs the process may have. */
    public long maxMapCount() {
        return maxMapCount;
    }

    /** The kernel release as {@code uname -r} prints it, or the simulated kernel's name. */
    public String kernelRelease() {
        return kernelRelease;
    }

    /** The CPU architecture ({@code amd64}, {@code aarch64}). */
    public String architecture() {
        return architecture;
    }

    /**
     * Whether a read fault of untouched private memory maps the shared zero page
     * ({@link KernelTrait#ZERO_PAGE}), measured by the probe: how read pages count in RSS, what
     * mlock of read-only memory populates, and whether a read gives a VMA its anon_vma.
     */
    public Feature zeroPage() {
        return traits.get(KernelTrait.ZERO_PAGE);
    }

    /** The kernel trait as found (or, on the simulator, as the profile plays it), with how. */
    public Feature trait(final KernelTrait trait) {
        return traits.get(trait);
    }

    /** Whether the kernel has {@code trait}: what tests and transcripts choose by. */
    public boolean has(final KernelTrait trait) {
        return traits.get(trait).available();
    }

    /** Bytes this process may lock: unlimited with CAP_IPC_LOCK, else the soft limit. */
    public long lockableBytes() {
        return ipcLock.available() ? UNLIMITED : memlockSoftBytes;
    }

    @Override
    public String toString() {
        return "Capabilities{backend=" + backend + ", multiVmaMove=" + multiVmaMove.available()
            + ", lockOnFault=" + lockOnFault.available() + ", lockOnFaultShown=" + lockOnFaultShown.available()
            + ", procmapQuery=" + procmapQuery.available()
            + ", pagemapScan=" + pagemapScan.available()
            + ", ipcLock=" + ipcLock.available() + ", pageSize=" + pageSize + ", pmdBytes=" + pmdBytes
            + ", thpMode=" + thpMode + ", thpDefrag=" + thpDefrag + ", memlockSoftBytes=" + memlockSoftBytes
            + ", memlockHardBytes=" + memlockHardBytes + ", maxMapCount=" + maxMapCount + ", kernelRelease="
            + kernelRelease + ", architecture=" + architecture + ", " + traitsText() + '}';
    }

    private String traitsText() {
        final StringBuilder text = new StringBuilder();
        for (final Map.Entry<KernelTrait, Feature> trait : traits.entrySet()) {
            text.append(text.length() == 0 ? "" : ", ").append(trait.getKey().optionName()).append('=')
                .append(trait.getValue().available());
        }
        return text.toString();
    }

    /** Collects the probed values; every field and every {@link KernelTrait} must be set. */
    public static final class Builder {
        private String backend;
        private Feature multiVmaMove;
        private Feature lockOnFault;
        private Feature lockOnFaultShown = Feature.present("not probed: a backend that never hides VM_LOCKONFAULT");
        private Feature procmapQuery;
        private Feature pagemapScan = Feature.absent("not probed: PAGEMAP_SCAN is only used where a backend probed it");
        private Feature ipcLock;
        private long pageSize;
        private long pmdBytes;
        private String thpMode;
        private String thpDefrag = "unavailable";
        private long memlockSoftBytes = UNLIMITED;
        private long memlockHardBytes = UNLIMITED;
        private long maxMapCount;
        private String kernelRelease;
        private String architecture;
        private final Map<KernelTrait, Feature> traits = new EnumMap<>(KernelTrait.class);

        private Builder() {
        }

        public Builder backend(final String value) {
            backend = value;
            return this;
        }

        public Builder multiVmaMove(final Feature value) {
            multiVmaMove = value;
            return this;
        }

        public Builder lockOnFault(final Feature value) {
            lockOnFault = value;
            return this;
        }

        /** Whether smaps shows VM_LOCKONFAULT; default present ("not probed"). */
        public Builder lockOnFaultShown(final Feature value) {
            lockOnFaultShown = value;
            return this;
        }

        public Builder procmapQuery(final Feature value) {
            procmapQuery = value;
            return this;
        }

        /** Whether {@code PAGEMAP_SCAN} works; default absent ("not probed"). */
        public Builder pagemapScan(final Feature value) {
            pagemapScan = value;
            return this;
        }

        public Builder ipcLock(final Feature value) {
            ipcLock = value;
            return this;
        }

        public Builder pageSize(final long value) {
            pageSize = value;
            return this;
        }

        public Builder pmdBytes(final long value) {
            pmdBytes = value;
            return this;
        }

        public Builder thpMode(final String value) {
            thpMode = value;
            return this;
        }

        /** The THP defrag mode; default {@code unavailable} (a backend without THP, or none read). */
        public Builder thpDefrag(final String value) {
            thpDefrag = value;
            return this;
        }

        public Builder memlock(final long softBytes, final long hardBytes) {
            memlockSoftBytes = softBytes;
            memlockHardBytes = hardBytes;
            return this;
        }

        public Builder maxMapCount(final long value) {
            maxMapCount = value;
            return this;
        }

        public Builder kernelRelease(final String value) {
            kernelRelease = value;
            return this;
        }

        public Builder architecture(final String value) {
            architecture = value;
            return this;
        }

        /** Whether a read fault maps the shared zero page ({@link KernelTrait#ZERO_PAGE}). */
        public Builder zeroPage(final Feature value) {
            return trait(KernelTrait.ZERO_PAGE, value);
        }

        /** Every {@link KernelTrait} must be set, each with how it was found. */
        public Builder trait(final KernelTrait trait, final Feature value) {
            traits.put(Objects.requireNonNull(trait, "trait"), value);
            return this;
        }

        public Capabilities build() {
            return new Capabilities(this);
        }
    }
}
