package io.vmarena.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Errno;
import io.vmarena.vm.Feature;
import io.vmarena.vm.Mapping;

import java.util.List;

/**
 * Finds out what the running kernel can do by trying it in a scratch reservation, never by
 * reading the version string (distribution kernels backport, and a kernel may be built
 * without a feature). Each experiment cleans up after itself.
 */
final class LinuxProbe {
    private static final String THP = "/sys/kernel/mm/transparent_hugepage/";
    private static final int CAP_IPC_LOCK = 14;
    private static final int PROT_READ = 1;
    private static final int PROT_READ_WRITE = 3;
    private static final int MREMAP_MAYMOVE_FIXED = 3;
    /** Pages the zero-page probe reads: more than one, so a stray count cannot pass for either answer. */
    private static final int ZERO_PAGE_PROBE_PAGES = 4;
    private static final int DONTUNMAP_PROBE_PAGES = 16;

    private final long pageSize;
    private final String kernelRelease;

    LinuxProbe() {
        pageSize = LibC.sysconf(LibC.SC_PAGESIZE);
        final String release = ProcFiles.readOrNull("/proc/sys/kernel/osrelease");
        kernelRelease = release == null ? System.getProperty("os.version") : release;
    }

    Capabilities probe() {
        final long[] memlock = memlockLimits();
        return Capabilities.builder()
            .backend("linux")
            .multiVmaMove(multiVmaMove())
            .lockOnFault(lockOnFault())
            .lockOnFaultShown(lockOnFaultShown())
            .procmapQuery(procmapQuery())
            .pagemapScan(pagemapScan())
            .ipcLock(ipcLock())
            .pageSize(pageSize)
            .pmdBytes(pmdBytes())
            .thpMode(thpMode())
            .thpDefrag(bracketed("defrag"))
            .memlock(memlock[0], memlock[1])
            .maxMapCount(maxMapCount())
            .kernelRelease(kernelRelease)
            .architecture(System.getProperty("os.arch"))
            .zeroPage(zeroPage())
            .trait(io.vmarena.vm.KernelTrait.DONTUNMAP_SETTLES, dontUnmapSettles())
            .build();
    }

    /** Moves two VMAs (rw-, r--) in one mremap into the free half of a scratch reservation. */
    private Feature multiVmaMove() {
        final long scratch = reserve(4);
        try {
            LibC.mprotect(scratch, 2 * pageSize, PROT_READ_WRITE);
            LibC.mprotect(scratch + pageSize, pageSize, PROT_READ);
        } catch (final LastErrorException e) {
            LibC.munmap(scratch, 4 * pageSize);
            return Feature.absent("the probe could not set up two VMAs: mprotect failed with "
                + Errno.of(e.getErrorCode()) + "; assuming one mremap per VMA");
        }
        try {
            final long target = scratch + 2 * pageSize;
            LibC.mremap(scratch, 2 * pageSize, 2 * pageSize, MREMAP_MAYMOVE_FIXED, target);
            return Feature.present("moved two VMAs with one mremap (kernel " + kernelRelease + ")");
        } catch (final LastErrorException e) {
            final Errno errno = Errno.of(e.getErrorCode());
            return Feature.absent(errno == Errno.EFAULT
                ? "the kernel refused a move across two VMAs with EFAULT (kernel " + kernelRelease
                    + "; multi-VMA moves need 6.17+)"
                : "the probe's move across two VMAs failed with " + errno + ", which says nothing about the kernel's "
                    + "support; assuming one mremap per VMA");
        } finally {
            LibC.munmap(scratch, 4 * pageSize);
        }
    }

    /** mlock2 checks its flags before the caller's privilege, so EPERM or ENOMEM still means "known flag". */
    private Feature lockOnFault() {
        final long scratch = LibC.mmap(0, pageSize, PROT_READ_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        try {
            Mlock2.mlock2(scratch, pageSize, LibC.MLOCK_ONFAULT);
            LibC.munlock(scratch, pageSize);
            return Feature.present("mlock2(MLOCK_ONFAULT) locked a page (" + Mlock2.source() + ")");
        } catch (final LastErrorException e) {
            final Errno errno = Errno.of(e.getErrorCode());
            if (errno == Errno.EPERM || errno == Errno.ENOMEM || errno == Errno.EAGAIN) {
                return Feature.present("the kernel knows MLOCK_ONFAULT but refused this process a page with " + errno
                    + " (RLIMIT_MEMLOCK)");
            }
            return Feature.absent("mlock2(MLOCK_ONFAULT) failed with " + errno + " (kernel " + kernelRelease
                + "; needs 4.4+): pinning populates the whole range");
        } catch (final UnsupportedOperationException e) {
            return Feature.absent(e.getMessage());
        } finally {
            LibC.munmap(scratch, pageSize);
        }
    }

    /**
     * Locks a fresh page with MLOCK_ONFAULT and reads its VmFlags in smaps: 6.1 shows {@code lo}
     * without {@code lf} (fs/proc/task_mmu.c has no mnemonic for VM_LOCKONFAULT there).
     */
    private Feature lockOnFaultShown() {
        final long scratch = reserve(3);
        try {
            LibC.mprotect(scratch + pageSize, pageSize, PROT_READ_WRITE); // its own VMA, between two PROT_NONE pages
            Mlock2.mlock2(scratch + pageSize, pageSize, LibC.MLOCK_ONFAULT);
            final List<Mapping> vmas = ProcMaps.parseSmaps(ProcFiles.read("/proc/self/smaps"), scratch + pageSize,
                scratch + 2 * pageSize, pageSize);
            if (vmas.size() != 1 || !vmas.get(0).locked()) {
                return Feature.present("smaps did not show the locked scratch page alone (" + vmas + "); assuming "
                    + "VM_LOCKONFAULT is shown");
            }
            return vmas.get(0).lockOnFault()
                ? Feature.present("smaps shows a page locked with MLOCK_ONFAULT as lo and lf")
                : Feature.absent("smaps shows a page locked with MLOCK_ONFAULT as lo without lf (kernel " + kernelRelease
                    + "): a VMA locked on fault reads as plain locked");
        } catch (final LastErrorException e) {
            return Feature.present("could not lock a scratch page to look (" + Errno.of(e.getErrorCode())
                + "); assuming VM_LOCKONFAULT is shown");
        } catch (final UnsupportedOperationException e) {
            return Feature.present("no MLOCK_ONFAULT to look at (" + e.getMessage() + ")");
        } finally {
            LibC.munmap(scratch, 3 * pageSize);
        }
    }

    private Feature procmapQuery() {
        final long scratch = reserve(1);
        try (ProcmapQuery query = new ProcmapQuery()) {
            final List<io.vmarena.vm.Mapping> found = query.mappings(scratch, scratch + pageSize);
            // The scratch VMA may have merged with a compatible neighbour: it need only contain the page.
            if (found.size() == 1 && found.get(0).startAddress() <= scratch
                && found.get(0).endAddress() >= scratch + pageSize) {
                return Feature.present("the PROCMAP_QUERY ioctl found a scratch VMA");
            }
            return Feature.absent("PROCMAP_QUERY answered, but not with the scratch VMA: " + found);
        } catch (final LastErrorException e) {
            return Feature.absent("the PROCMAP_QUERY ioctl failed with " + Errno.of(e.getErrorCode()) + " (kernel "
                + kernelRelease + "; needs 6.11+): VMA boundaries come from /proc/self/maps");
        } finally {
            LibC.munmap(scratch, pageSize);
        }
    }

    /**
     * Writes the first of two fresh pages (between two PROT_NONE pages, so the VMA is its own)
     * and asks PAGEMAP_SCAN for the resident ones: exactly the written page must come back.
     */
    private Feature pagemapScan() {
        final long scratch = reserve(4);
        try (PagemapScan scan = new PagemapScan()) {
            final long start = scratch + pageSize;
            LibC.mprotect(start, 2 * pageSize, PROT_READ_WRITE);
            new Pointer(start).setByte(0, (byte)1);
            final io.vmarena.vm.Residency found = scan.residency(scratch, scratch + 4 * pageSize, new long[0]);
            if (found.residentBytes() == pageSize) {
                return Feature.present("the PAGEMAP_SCAN ioctl found the one written page of a scratch VMA");
            }
            return Feature.absent("PAGEMAP_SCAN answered, but not with the one written page: " + found
                + "; resident bytes come from mincore, huge-page bytes from smaps");
        } catch (final LastErrorException e) {
            return Feature.absent("the PAGEMAP_SCAN ioctl failed with " + Errno.of(e.getErrorCode()) + " (kernel "
                + kernelRelease + "; needs 6.7+): resident bytes come from mincore, huge-page bytes from smaps");
        } finally {
            LibC.munmap(scratch, 4 * pageSize);
        }
    }

    /**
     * Reads every page of a fresh private rw- VMA and looks at its smaps Rss: 0 when the read
     * faults mapped the shared zero page, every page when each read allocated one.
     *
     * <p>Why smaps Rss: it needs no privilege, it is per VMA (so other threads' memory cannot
     * disturb it, as they would a process-wide count such as statm), and it is the very number
     * the trait changes for the tests. mincore cannot tell (it counts a zero-page PTE as
     * resident); /proc/self/pagemap shows the zero page's PFN only to CAP_SYS_ADMIN (zeros
     * otherwise), and its "exclusively mapped" bit is a detail of its implementation. The VMA
     * sits between two pages of a PROT_NONE|MAP_NORESERVE reservation, whose flags differ, so it
     * cannot merge with anything and its Rss is its own.
     */
    private Feature zeroPage() {
        final long scratch = reserve(ZERO_PAGE_PROBE_PAGES + 2);
        try {
            final long start = scratch + pageSize;
            final long end = start + ZERO_PAGE_PROBE_PAGES * pageSize;
            LibC.mmap(start, end - start, PROT_READ_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_FIXED, -1,
                0);
            for (long address = start; address < end; address += pageSize) {
                new Pointer(address).getByte(0); // a native read: a real read fault, never optimised away
            }
            final List<Mapping> vmas = ProcMaps.parseSmaps(ProcFiles.read("/proc/self/smaps"), start, end, pageSize);
            if (vmas.size() != 1 || vmas.get(0).startAddress() != start || vmas.get(0).endAddress() != end) {
                return assumedZeroPage("smaps did not show the scratch VMA alone: " + vmas);
            }
            final long residentPages = vmas.get(0).residentPages();
            if (residentPages == 0) {
                return Feature.present("reading " + ZERO_PAGE_PROBE_PAGES + " untouched pages left smaps Rss of their "
                    + "VMA at 0: read faults map the shared zero page");
            }
            if (residentPages == ZERO_PAGE_PROBE_PAGES) {
                return Feature.absent("reading " + ZERO_PAGE_PROBE_PAGES + " untouched pages made all "
                    + ZERO_PAGE_PROBE_PAGES + " resident (smaps Rss of their VMA): read faults allocate pages");
            }
            return assumedZeroPage("reading " + ZERO_PAGE_PROBE_PAGES + " untouched pages made " + residentPages
                + " resident, which is neither answer");
        } catch (final LastErrorException e) {
            return assumedZeroPage("mmap of the scratch VMA failed with " + Errno.of(e.getErrorCode()));
        } catch (final java.io.UncheckedIOException e) {
            return assumedZeroPage(e.getMessage());
        } finally {
            LibC.munmap(scratch, (ZERO_PAGE_PROBE_PAGES + 2) * pageSize);
        }
    }

    /**
     * Moves two pages of a fresh PROT_NONE reservation of sixteen with MREMAP_DONTUNMAP to a
     * fixed place in the same reservation, pages 10-11 to 2-3, and reads the range's VMAs in
     * /proc/self/maps: a kernel that settles the source keeps the new VMA apart from the VMA its
     * source lies in, so a boundary stays at page 4 ([0, 4) and [4, 16), as Debian's 7.3 printed
     * for the same moves in .ci/arm64's VM); one that does not merges it back into one VMA
     * (6.18). Nothing is locked, so on 6.18 the probe leaks no locked_vm (DU4), as a move of
     * locked memory would: every process runs it, with whatever RLIMIT_MEMLOCK it has. Where
     * the range's VMAs are neither answer it assumes 6.18's and says why.
     */
    private Feature dontUnmapSettles() {
        final long scratch = reserve(DONTUNMAP_PROBE_PAGES);
        try {
            LibC.mremap(scratch + 10 * pageSize, 2 * pageSize, 2 * pageSize, io.vmarena.vm.RemapFlags.MAYMOVE
                | io.vmarena.vm.RemapFlags.FIXED | io.vmarena.vm.RemapFlags.DONTUNMAP, scratch + 2 * pageSize);
            final long end = scratch + DONTUNMAP_PROBE_PAGES * pageSize;
            final List<Mapping> vmas = ProcMaps.parseMaps(ProcFiles.read("/proc/self/maps"), scratch, end);
            // The reservation may have merged with a neighbouring PROT_NONE mapping: only the
            // boundaries inside it tell.
            final List<Long> boundaries = new java.util.ArrayList<>();
            for (final Mapping vma : vmas) {
                if (vma.startAddress() > scratch && vma.startAddress() < end) {
                    boundaries.add((vma.startAddress() - scratch) / pageSize);
                }
            }
            if (boundaries.equals(List.of(4L))) {
                return Feature.present("a DONTUNMAP move within a reservation kept the new VMA apart from its "
                    + "source's VMA (7.3's behaviour): a move out of locked memory splits and unlocks the moved "
                    + "piece only, with no locked_vm leak");
            }
            if (boundaries.isEmpty()) {
                return Feature.absent("a DONTUNMAP move within a reservation merged the new VMA back into one "
                    + "(6.18's behaviour): a move out of locked memory unlocks the whole source VMA and leaks "
                    + "locked_vm (kernel-semantics DU3, DU4)");
            }
            return assumedUnsettled("the reservation's VMAs began at pages " + boundaries + ", neither answer");
        } catch (final LastErrorException e) {
            return assumedUnsettled("the probe's mremap failed with " + Errno.of(e.getErrorCode()));
        } catch (final java.io.UncheckedIOException e) {
            return assumedUnsettled(e.getMessage());
        } finally {
            LibC.munmap(scratch, DONTUNMAP_PROBE_PAGES * pageSize);
        }
    }

    /** The DONTUNMAP probe could not tell: 6.18's behaviour, the leak, is assumed (the budget-safe guess). */
    private static Feature assumedUnsettled(final String why) {
        return Feature.absent("the DONTUNMAP probe could not tell (" + why + "); assuming the source is not settled, "
            + "as on 6.18");
    }

    /** The probe could not tell: upstream's behaviour is assumed, and the reason says so. */
    private static Feature assumedZeroPage(final String why) {
        return Feature.present("the zero-page probe could not tell (" + why + "); assuming read faults map the "
            + "shared zero page, as upstream x86-64 and arm64 kernels do");
    }

    private Feature ipcLock() {
        final String capEff = ProcFiles.field(ProcFiles.read("/proc/self/status"), "CapEff");
        if (capEff == null) {
            return Feature.absent("/proc/self/status has no CapEff line; assuming no CAP_IPC_LOCK");
        }
        final boolean held = (Long.parseUnsignedLong(capEff, 16) & (1L << CAP_IPC_LOCK)) != 0;
        return held
            ? Feature.present("CapEff " + capEff + " holds CAP_IPC_LOCK: RLIMIT_MEMLOCK does not apply")
            : Feature.absent("CapEff " + capEff + " lacks CAP_IPC_LOCK: locking is limited by RLIMIT_MEMLOCK");
    }

    /** The THP size where the kernel says it, else one page-table page of page-sized entries. */
    private long pmdBytes() {
        final String size = ProcFiles.readOrNull(THP + "hpage_pmd_size");
        return size == null ? pageSize * (pageSize / Long.BYTES) : Long.parseLong(size);
    }

    private static String thpMode() {
        return bracketed("enabled");
    }

    /** The chosen value of a THP setting ({@code always [madvise] never}), or {@code unavailable}. */
    private static String bracketed(final String setting) {
        final String values = ProcFiles.readOrNull(THP + setting);
        if (values == null) {
            return "unavailable";
        }
        final int open = values.indexOf('[');
        final int close = values.indexOf(']');
        return open >= 0 && close > open ? values.substring(open + 1, close) : values;
    }

    private static long maxMapCount() {
        final String value = ProcFiles.readOrNull("/proc/sys/vm/max_map_count");
        return value == null ? 65530 : Long.parseLong(value);
    }

    /** {soft, hard} RLIMIT_MEMLOCK in bytes; RLIM_INFINITY (all ones) becomes UNLIMITED. */
    static long[] memlockLimits() {
        final Memory rlimit = new Memory(2 * Long.BYTES);
        LibC.getrlimit(LibC.RLIMIT_MEMLOCK, rlimit);
        return new long[] {unlimitedIfInfinite(rlimit.getLong(0)), unlimitedIfInfinite(rlimit.getLong(8))};
    }

    private static long unlimitedIfInfinite(final long value) {
        return value < 0 ? Capabilities.UNLIMITED : value;
    }

    private long reserve(final int pageCount) {
        return LibC.mmap(0, pageCount * pageSize, LibC.PROT_NONE,
            LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
    }
}
