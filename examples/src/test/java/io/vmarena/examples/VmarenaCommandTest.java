package io.vmarena.examples;

import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Feature;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmarenaCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args) {
        return VmarenaCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintEveryFeatureAndTheMemlockLine() {
        assertEquals(0, run("doctor"), err.toString(StandardCharsets.UTF_8));

        final String text = out.toString(StandardCharsets.UTF_8);
        for (final String feature : new String[] {"multi-VMA move: ", "MLOCK_ONFAULT: ", "PROCMAP_QUERY: ",
            "memlock: ", "page size", "vm.max_map_count"}) {
            assertTrue(text.contains(feature), feature + " missing from:\n" + text);
        }
        assertTrue(text.matches("(?s).*multi-VMA move: (yes|no \\(.+\\): moves fall back to one mremap per VMA.*).*"),
            text);
        assertTrue(text.matches("(?s).*\nzero page: (yes|no): .*\n  zero page: .*"), text);
    }

    @Test
    void shouldSayWhatEachAnswerOfTheZeroPageMeans() {
        assertEquals("zero page: no: a read fault allocates a page: RSS counts read pages, mlock of read-only "
            + "memory populates real pages, read-faulted VMAs get an anon_vma and merge less",
            Doctor.traitLine(io.vmarena.vm.KernelTrait.ZERO_PAGE, Feature.absent("probed")));
        assertEquals("zero page: yes: a read fault of untouched memory maps the shared zero page: reads cost no "
            + "memory and leave the VMA as it was",
            Doctor.traitLine(io.vmarena.vm.KernelTrait.ZERO_PAGE, Feature.present("probed")));
    }

    @Test
    void shouldRefuseUnknownCommandsAndArgumentsWithExitTwo() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command 'frobnicate'"));
        assertEquals(2, run("doctor", "--verbose"));
        assertEquals(2, run());
    }

    @Test
    void shouldListDemoInTheUsageAndRefuseItsArguments() {
        assertEquals(0, run("help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("  demo      the main job: an arena filled, "
            + "fragmented, trimmed, grown by moving, checked"), out.toString(StandardCharsets.UTF_8));

        assertEquals(2, run("demo", "256"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage: vmarena demo"));
    }

    @Test
    void shouldExplainWhatAMissingMemlockBudgetCosts() {
        final Feature no = Feature.absent("test");
        final Feature yes = Feature.present("test");
        final Capabilities caps = Capabilities.builder().backend("test")
            .multiVmaMove(yes).lockOnFault(yes).procmapQuery(yes).ipcLock(no).pageSize(4096).pmdBytes(2 << 20)
            .thpMode("madvise").memlock(8 << 20, 8 << 20).maxMapCount(65530).kernelRelease("6.8.0-1")
            .architecture("amd64").zeroPage(yes).build();

        assertEquals("memlock: 8 MiB soft limit, 8 MiB hard, no CAP_IPC_LOCK: pinning limited to 8 MiB; raise with "
            + "ulimit -l / LimitMEMLOCK= / --ulimit memlock", Doctor.memlockLine(caps));
        assertEquals("kernel 6.8 < 6.17", Doctor.why(caps, 6, 17, no));
        assertEquals("test", Doctor.why(caps, 6, 4, no));
        assertEquals("", Doctor.thpAdvice(caps));
    }

    @Test
    void shouldSayWhatTheThpModeAndDefragMeanForArenas() {
        assertEquals("huge pages for arenas: only arenas built with hugePages(WANTED); defrag madvise: a first touch "
            + "of a WANTED arena's memory may stall to compact memory (touch it before traffic)",
            Doctor.hugePagesLine(thp("madvise", "madvise")));
        assertEquals("huge pages for arenas: every arena gets them where its memory allows, unless built with "
            + "hugePages(REFUSED); defrag always: a first touch of any arena's memory may stall to compact memory "
            + "(touch it before traffic, or build latency-critical arenas with hugePages(REFUSED))",
            Doctor.hugePagesLine(thp("always", "always")));
        assertEquals("huge pages for arenas: every arena gets them where its memory allows, unless built with "
            + "hugePages(REFUSED); defrag defer+madvise: a first touch of a WANTED arena's memory may stall to "
            + "compact memory (touch it before traffic), other arenas' faults do not wait",
            Doctor.hugePagesLine(thp("always", "defer+madvise")));
        assertEquals("huge pages for arenas: only arenas built with hugePages(WANTED); defrag defer: no fault waits "
            + "for compaction (huge pages come when free, or later from khugepaged)",
            Doctor.hugePagesLine(thp("madvise", "defer")));
        assertEquals("huge pages for arenas: none: hugePages(WANTED) has no effect (enable with: echo madvise > "
            + "/sys/kernel/mm/transparent_hugepage/enabled)", Doctor.hugePagesLine(thp("never", "madvise")));
        assertTrue(Doctor.hugePagesLine(thp("unavailable", "unavailable"))
            .startsWith("huge pages for arenas: none: the kernel has no transparent huge pages"));
        assertTrue(Doctor.hugePagesLine(new io.vmarena.vm.sim.SimulatedAddressSpace(io.vmarena.vm.sim.KernelProfile
            .LINUX_6_17, 64L << 20).capabilities()).contains("not modelled by the simulator"));
    }

    private static Capabilities thp(final String mode, final String defrag) {
        final Feature yes = Feature.present("test");
        return Capabilities.builder().backend("linux").multiVmaMove(yes).lockOnFault(yes).procmapQuery(yes)
            .ipcLock(yes).pageSize(4096).pmdBytes(2 << 20).thpMode(mode).thpDefrag(defrag).memlock(0, 0)
            .maxMapCount(65530).kernelRelease("6.18.0").architecture("amd64").zeroPage(yes).build();
    }

    @Test
    void shouldNotSendASimulatorUserToSysfsForHugePages() {
        final Capabilities simulated = new io.vmarena.vm.sim.SimulatedAddressSpace(io.vmarena.vm.sim.KernelProfile
            .LINUX_6_17, 64L << 20).capabilities();

        assertEquals(" (the simulator does not model transparent huge pages)", Doctor.thpAdvice(simulated));
    }
}
