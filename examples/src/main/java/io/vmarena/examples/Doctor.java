package io.vmarena.examples;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Feature;
import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.sim.KernelProfile;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * {@code vmarena doctor}: the capabilities of this machine's address space as a table, and for
 * each missing feature what it costs and how to get it. The cost figures are the measurements
 * in docs/DESIGN.md ("Measured facts").
 */
@Command(name = "doctor", description = "what this machine can do for vmarena, what it cannot, and what that costs",
    exitCodeListHeading = "%nExit status:%n", exitCodeList = {VmarenaCommand.EXIT_OK, "1:no address space works here",
        VmarenaCommand.EXIT_BAD_INPUT})
final class Doctor implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;
    @Mixin
    private HelpOption help = new HelpOption();
    @Mixin
    private BackendOption backend = new BackendOption();

    Doctor(final PrintStream out, final PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        final AddressSpace space;
        try {
            space = backend.open();
        } catch (final IllegalStateException | ExceptionInInitializerError e) {
            err.println("vmarena doctor: no address space works here: " + rootMessage(e));
            return VmarenaCommand.PROBLEM;
        }
        print(space.capabilities());
        return VmarenaCommand.OK;
    }

    private void print(final Capabilities caps) {
        out.println("vmarena doctor: what this machine can do");
        out.println();
        row("backend", caps.backend());
        row("kernel", caps.kernelRelease() + " (" + caps.architecture() + ")");
        row("page size", Bytes.format(caps.pageSize()));
        row("huge page (PMD)", Bytes.format(caps.pmdBytes()) + ", PUD " + Bytes.format(caps.pudBytes()));
        row("transparent huge pages", caps.thpMode() + thpAdvice(caps));
        row("THP defrag", caps.thpDefrag());
        row("vm.max_map_count", caps.maxMapCount() + " VMAs");
        out.println();
        feature("multi-VMA move", caps.multiVmaMove(), why(caps, 6, 17, caps.multiVmaMove()), perVmaCost(caps));
        feature("MLOCK_ONFAULT", caps.lockOnFault(), why(caps, 4, 4, caps.lockOnFault()),
            "pinning populates the whole range at once (about 377 ms per GiB instead of 17 us)");
        feature("VM_LOCKONFAULT in smaps", caps.lockOnFaultShown(), "this kernel's smaps has no lf",
            "a pinned arena's VMAs read as plain locked (lo, no lf) in /proc/self/smaps, so tools cannot tell pinning "
                + "on fault from pinning that populates; vmarena pins on fault either way");
        feature("PROCMAP_QUERY", caps.procmapQuery(), why(caps, 6, 11, caps.procmapQuery()),
            "per-VMA moves read VMA boundaries from /proc/self/maps: a one-VMA move took 246 us instead of 12 us "
                + "from a JVM on this project's machine (docs/perf/move-report.md)");
        feature("PAGEMAP_SCAN", caps.pagemapScan(), why(caps, 6, 7, caps.pagemapScan()), pagemapScanCost(caps));
        out.println(memlockLine(caps));
        for (final KernelTrait trait : KernelTrait.values()) {
            out.println(traitLine(trait, caps.trait(trait), caps));
        }
        out.println(hugePagesLine(caps));
        out.println();
        out.println("details:");
        detail("multi-VMA move", caps.multiVmaMove());
        detail("MLOCK_ONFAULT", caps.lockOnFault());
        detail("VM_LOCKONFAULT in smaps", caps.lockOnFaultShown());
        detail("PROCMAP_QUERY", caps.procmapQuery());
        detail("PAGEMAP_SCAN", caps.pagemapScan());
        detail("CAP_IPC_LOCK", caps.ipcLock());
        for (final KernelTrait trait : KernelTrait.values()) {
            detail(trait.displayName(), caps.trait(trait));
        }
    }

    /**
     * A kernel trait is neither good nor bad, so both answers say what they mean:
     * {@code zero page: no: a read fault allocates a page: RSS counts read pages, ...}.
     */
    static String traitLine(final KernelTrait trait, final Feature found, final Capabilities caps) {
        final boolean held = found.available();
        String meaning = trait.meaning(held);
        if (trait == KernelTrait.DONTUNMAP_SETTLES && !held && KernelProfile.forCapabilities(caps).sixOneMm()) {
            // 6.1's move_vma returns before it counts the new VMA's locked pages, and the source
            // is unlocked whole: locked_vm stays, so only what did not move leaks (DESIGN, "Linux 6.1").
            meaning = "a DONTUNMAP move out of locked memory unlocks the whole source VMA unsplit; on 6.1 locked_vm "
                + "stays as it was, so the part of it that did not move stays counted though unlocked (a leak when "
                + "only part of a VMA moves); the new VMA may merge with its source";
        }
        return trait.displayName() + ": " + (held ? "yes" : "no") + ": " + meaning;
    }

    /**
     * "kernel 6.8 < 6.17" when the release is older than the one that brought the feature;
     * otherwise the probe's own finding (a newer kernel may still refuse: seccomp, emulators).
     */
    static String why(final Capabilities caps, final int major, final int minor, final Feature feature) {
        final String[] parts = caps.kernelRelease().split("[.-]");
        try {
            final int releaseMajor = Integer.parseInt(parts[0]);
            final int releaseMinor = Integer.parseInt(parts[1]);
            if (releaseMajor < major || releaseMajor == major && releaseMinor < minor) {
                return "kernel " + releaseMajor + "." + releaseMinor + " < " + major + "." + minor;
            }
        } catch (final RuntimeException unparsable) {
            // A simulated or unusual release string: the probe's reason says it better.
        }
        return feature.reason();
    }

    private void row(final String name, final String value) {
        out.printf("%-24s %s%n", name, value);
    }

    /** {@code name: yes}, or {@code name: no (why): what it costs}. */
    private void feature(final String name, final Feature feature, final String why, final String cost) {
        if (feature.available()) {
            out.println(name + ": yes");
        } else {
            out.println(name + ": no (" + why + "): " + cost);
        }
    }

    private void detail(final String name, final Feature feature) {
        out.println("  " + name + ": " + feature.reason());
    }

    /**
     * What one mremap per VMA costs an arena's moves, which discover the VMAs themselves:
     * measured against one multi-VMA call on this project's machine (docs/perf/move-report.md,
     * 1 to 4096 VMAs).
     */
    static String perVmaCost(final Capabilities caps) {
        return "moves fall back to one mremap per VMA, with the boundaries from " + (caps.procmapQuery().available()
            ? "PROCMAP_QUERY: they take 1.3-1.6x as long as one call"
            : "/proc/self/maps: they take 1.7-4x as long as one call (30x for a one-VMA move)")
            + ", as measured on this project's machine (docs/perf/move-report.md); Linux 6.17+ moves a whole arena in "
            + "one call";
    }

    /** What residency() does without PAGEMAP_SCAN (see {@link io.vmarena.vm.AddressSpace#residency}). */
    static String pagemapScanCost(final Capabilities caps) {
        if (caps.backend().equals("sim")) {
            return "the simulator answers residency() from its own pages";
        }
        return "residency() counts resident bytes with mincore (a page only read, mapped to the shared zero page, "
            + "counts as resident) and reads huge-page bytes from /proc/self/smaps where THP may be on; stats() counts "
            + "resident bytes from the arena's own account either way";
    }

    static String memlockLine(final Capabilities caps) {
        final String limits = Bytes.limit(caps.memlockSoftBytes()) + " soft limit, "
            + Bytes.limit(caps.memlockHardBytes()) + " hard";
        if (caps.ipcLock().available()) {
            return "memlock: " + limits + ", CAP_IPC_LOCK held: pinning is not limited";
        }
        if (caps.memlockSoftBytes() == Capabilities.UNLIMITED) {
            return "memlock: unlimited, no CAP_IPC_LOCK: pinning is not limited";
        }
        return "memlock: " + limits + ", no CAP_IPC_LOCK: pinning limited to " + Bytes.limit(caps.memlockSoftBytes())
            + "; raise with ulimit -l / LimitMEMLOCK= / --ulimit memlock";
    }

    static String thpAdvice(final Capabilities caps) {
        if (caps.backend().equals("sim")) {
            return " (the simulator does not model transparent huge pages)";
        }
        final String mode = caps.thpMode();
        if (mode.equals("never") || mode.equals("unavailable")) {
            return " (moves and MADV_DONTNEED work page by page: about 20x dearer per MiB than with huge pages; "
                + "enable with: echo madvise > /sys/kernel/mm/transparent_hugepage/enabled)";
        }
        return "";
    }

    /**
     * What the THP mode and defrag setting mean for arenas ({@link io.vmarena.HugePages}):
     * {@code huge pages for arenas: <who gets them>[; <who may stall on a fault>]}.
     */
    static String hugePagesLine(final Capabilities caps) {
        final String prefix = "huge pages for arenas: ";
        if (caps.backend().equals("sim")) {
            return prefix + "not modelled by the simulator (hugePages(WANTED) and REFUSED set the VMA flags only; "
                + "stats().hugePageBytes() is 0)";
        }
        switch (caps.thpMode()) {
            case "always":
                return prefix + "every arena gets them where its memory allows, unless built with "
                    + "hugePages(REFUSED)" + stallText(caps.thpDefrag(), true);
            case "madvise":
                return prefix + "only arenas built with hugePages(WANTED)" + stallText(caps.thpDefrag(), false);
            case "never":
                return prefix + "none: hugePages(WANTED) has no effect (enable with: echo madvise > "
                    + "/sys/kernel/mm/transparent_hugepage/enabled)";
            default:
                return prefix + "none: the kernel has no transparent huge pages (THP " + caps.thpMode() + "); an "
                    + "arena built with hugePages(WANTED) works without them and logs one warning";
        }
    }

    /** Who may stall compacting memory when a fault gets a huge page, by THP defrag setting. */
    private static String stallText(final String defrag, final boolean allArenas) {
        switch (defrag) {
            case "always":
                return "; defrag always: a first touch of " + (allArenas ? "any arena's" : "their") + " memory may "
                    + "stall to compact memory (populate() it before traffic, or build latency-critical arenas with "
                    + "hugePages(REFUSED))";
            case "madvise":
            case "defer+madvise":
                return "; defrag " + defrag + ": a first touch of a WANTED arena's memory may stall to compact memory "
                    + "(populate() it before traffic)" + (allArenas ? ", other arenas' faults do not wait" : "");
            default:
                return "; defrag " + defrag + ": no fault waits for compaction (huge pages come when free, or later "
                    + "from khugepaged)";
        }
    }

    private static String rootMessage(final Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }
}
