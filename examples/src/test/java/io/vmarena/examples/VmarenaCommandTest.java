package io.vmarena.examples;

import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Feature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmarenaCommandTest {
    /** What the simulator's 6.17 reports: a kernel with every feature, for lines that depend on the kernel. */
    private static final io.vmarena.vm.Capabilities SIXTEEN_SEVENTEEN = io.vmarena.vm.sim.SimulatedAddressSpace
        .capabilitiesOf(io.vmarena.vm.sim.KernelProfile.LINUX_6_17);

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
        for (final String feature : new String[] {"multi-VMA move: ", "MLOCK_ONFAULT: ", "VM_LOCKONFAULT in smaps: ",
            "\n  VM_LOCKONFAULT in smaps: ", "PROCMAP_QUERY: ", "PAGEMAP_SCAN: ", "\n  PAGEMAP_SCAN: ", "memlock: ",
            "page size", "vm.max_map_count"}) {
            assertTrue(text.contains(feature), feature + " missing from:\n" + text);
        }
        assertTrue(text.matches("(?s).*multi-VMA move: (yes|no \\(.+\\): moves fall back to one mremap per VMA.*).*"),
            text);
        assertTrue(text.matches("(?s).*\nzero page: (yes|no): .*\n  zero page: .*"), text);
    }

    /** What Linux 6.1 (Debian 12) gives up, with this project's measurements: one call per VMA, found through /proc. */
    @Test
    void shouldSayWhatMovesCostWithoutMultiVmaMoves() {
        final io.vmarena.vm.sim.KernelProfile old = io.vmarena.vm.sim.KernelProfile.LINUX_6_1;
        assertEquals("moves fall back to one mremap per VMA, with the boundaries from /proc/self/maps: they take "
            + "1.7-4x as long as one call (30x for a one-VMA move), as measured on this project's machine "
            + "(docs/perf/move-report.md); Linux 6.17+ moves a whole arena in one call",
            Doctor.perVmaCost(io.vmarena.vm.sim.SimulatedAddressSpace.capabilitiesOf(old)));
        assertTrue(Doctor.perVmaCost(io.vmarena.vm.sim.SimulatedAddressSpace.capabilitiesOf(
            io.vmarena.vm.sim.KernelProfile.LINUX_6_17)).contains("PROCMAP_QUERY: they take 1.3-1.6x as long"));
    }

    @Test
    void shouldSayWhatStatsDoesWithoutPagemapScan() {
        final Feature yes = Feature.present("test");
        assertEquals("kernel 6.6 < 6.7", Doctor.why(Capabilities.builder().backend("linux").multiVmaMove(yes)
            .lockOnFault(yes).procmapQuery(yes).ipcLock(yes).pageSize(4096).pmdBytes(2 << 20).thpMode("madvise")
            .memlock(0, 0).maxMapCount(65530).kernelRelease("6.6.30").architecture("amd64").zeroPage(yes).trait(io.vmarena.vm.KernelTrait.DONTUNMAP_SETTLES, yes).build(), 6, 7,
            Feature.absent("probed")));
        assertEquals("residency() counts resident bytes with mincore (a page only read, mapped to the shared zero "
            + "page, counts as resident) and reads huge-page bytes from /proc/self/smaps where THP may be on; stats() "
            + "counts resident bytes from the arena's own account either way",
            Doctor.pagemapScanCost(thp("madvise", "madvise")));
        assertEquals("the simulator answers residency() from its own pages", Doctor.pagemapScanCost(
            new io.vmarena.vm.sim.SimulatedAddressSpace(io.vmarena.vm.sim.KernelProfile.LINUX_6_17, 64L << 20)
                .capabilities()));
    }

    @Test
    void shouldSayWhatEachAnswerOfTheZeroPageMeans() {
        assertEquals("zero page: no: a read fault allocates a page: RSS counts read pages, mlock of read-only "
            + "memory populates real pages, read-faulted VMAs get an anon_vma and merge less",
            Doctor.traitLine(io.vmarena.vm.KernelTrait.ZERO_PAGE, Feature.absent("probed"), SIXTEEN_SEVENTEEN));
        assertEquals("zero page: yes: a read fault of untouched memory maps the shared zero page: reads cost no "
            + "memory and leave the VMA as it was",
            Doctor.traitLine(io.vmarena.vm.KernelTrait.ZERO_PAGE, Feature.present("probed"), SIXTEEN_SEVENTEEN));
    }

    /** 6.1 does not settle a DONTUNMAP move's source, nor leak the moved length as 6.18 does: the line says what it does. */
    @Test
    void shouldNotSayThatDontUnmapLeaksOnSixOne() {
        final io.vmarena.vm.Capabilities sixOne = io.vmarena.vm.sim.SimulatedAddressSpace.capabilitiesOf(
            io.vmarena.vm.sim.KernelProfile.LINUX_6_1);
        assertEquals("DONTUNMAP settles its source: no: a DONTUNMAP move out of locked memory unlocks the whole source "
            + "VMA unsplit; on 6.1 locked_vm stays as it was, so the part of it that did not move stays counted though "
            + "unlocked (a leak when only part of a VMA moves); the new VMA may merge with its source",
            Doctor.traitLine(io.vmarena.vm.KernelTrait.DONTUNMAP_SETTLES, Feature.absent("probed"), sixOne));
        assertTrue(Doctor.traitLine(io.vmarena.vm.KernelTrait.DONTUNMAP_SETTLES, Feature.absent("probed"),
            SIXTEEN_SEVENTEEN).contains("leaks locked_vm"));
    }


    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldListTheCommandsOnStdoutForHelpAndOnStderrWithExitTwoForNoCommand() {
        assertEquals(0, run("help"));
        for (final String command : new String[] {"doctor", "demo", "ops", "bench", "cache-churn", "pinned-service",
            "help"}) {
            assertTrue(out().contains("\n  " + command + " "), command + " missing from:\n" + out());
        }
        assertTrue(out().contains("  2   bad input: an unknown option, a missing or wrong value"), out());
        assertEquals("", err());

        out.reset();
        assertEquals(2, run());
        assertEquals("", out());
        assertTrue(err().startsWith("Usage: vmarena [-h] COMMAND"), err());
        // The description column starts after the longest command's name, whichever command that is.
        assertTrue(java.util.regex.Pattern.compile("\n  demo +the main job: an arena filled").matcher(err()).find(),
            err());
    }

    @Test
    void shouldPrintNothingOnAnyStderrForTheHelpOfEverySubCommand() {
        // picocli warns on System.err itself (its tracer), not on the err it is given: watch both.
        final PrintStream systemErr = System.err;
        final ByteArrayOutputStream picocliErr = new ByteArrayOutputStream();
        final PrintStream nullStream = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        final Set<String> commands = VmarenaCommand.commandLine(nullStream, nullStream).getSubcommands().keySet();
        assertTrue(commands.containsAll(List.of("doctor", "demo", "ops", "bench", "cache-churn", "pinned-service",
            "help")), commands.toString());
        System.setErr(new PrintStream(picocliErr, true, StandardCharsets.UTF_8));
        try {
            for (final String command : commands) {
                out.reset();
                assertEquals(0, run(command, "--help"), command + ": " + err());
                assertTrue(out().contains("Usage: vmarena " + command), command + ": " + out());
                assertEquals("", err(), command);
                assertEquals("", picocliErr.toString(StandardCharsets.UTF_8), command);
            }
            assertTrue(run("cache-churn", "--help") == 0 && out().contains("more than 10% above the live bytes"), out());
        } finally {
            System.setErr(systemErr);
        }
    }

    @Test
    void shouldAnswerHelpOnEveryCommandWithItsUsageAndExitZero() {
        for (final String command : new String[] {"doctor", "demo", "ops", "bench", "cache-churn", "help"}) {
            out.reset();
            assertEquals(0, run(command, "--help"), command + ": " + err());
            // picocli's own help command opens with its description, then its usage.
            assertTrue(out().startsWith("Usage: vmarena " + command) || command.equals("help")
                && out().contains("\nUsage: vmarena help [-h] [COMMAND]\n"), command + ": " + out());
        }
        assertTrue(out().contains("Display help information"), out());
        assertEquals("", err());
    }

    @Test
    void shouldPrintTheOpsUsageForHelpNotAMissingValue() {
        assertEquals(0, run("ops", "--help"));

        assertTrue(out().startsWith("Usage: vmarena ops FILE... [--backend linux|sim] [--kernel 7.3|6.17|6.1]\n"), out());
        assertTrue(out().contains("--kernel, --page-size, --memlock, --no-ipc-lock, --max-map-count, --zero-page"),
            out());
        assertEquals("", err());
    }

    @Test
    void shouldRefuseAWrongOptionOfEveryCommandWithTheUsageOnStderrAndExitTwo() {
        for (final String command : new String[] {"doctor", "demo", "bench"}) {
            err.reset();
            assertEquals(2, run(command, "--verbose"), command);
            assertTrue(err().startsWith("Unknown option: '--verbose'\nUsage: vmarena " + command + " [-h]"),
                command + ": " + err());
        }
        err.reset();
        assertEquals(2, run("ops", "--verbose"));
        assertTrue(err().contains("vmarena ops: --verbose needs a value\nusage: vmarena ops FILE..."), err());
        assertEquals(2, run("frobnicate"));
        assertTrue(err().contains("Unmatched argument at index 0: 'frobnicate'"), err());
        assertEquals("", out());
    }

    @Test
    void shouldRefuseAMissingOrWrongValueWithExitTwo() {
        final String[][] cases = {
            {"demo", "--size"}, {"Missing required parameter for option '--size' (BYTES)"},
            {"demo", "--size", "lots"}, {"'lots' is not a number of bytes: give a whole number of bytes, optionally "
                + "with K, M or G"},
            {"demo", "--backend", "windows"}, {"--backend takes linux or sim, got 'windows'"},
            {"doctor", "--backend", "windows"}, {"--backend takes linux or sim, got 'windows'"},
            {"bench", "--backend"}, {"Missing required parameter for option '--backend'"},
            {"demo", "--backend", "sim", "--size", "1M"}, {"--size 1 MiB is less than the demo needs: give at least "
                + "2 MiB (8 segments of 256 KiB)"},
            {"demo", "--backend", "sim", "--size", "2G"}, {"--size 2 GiB is more than the demo can fill on the "
                + "simulator, whose address space is 1 GiB: give at most 128 MiB"},
        };
        for (int i = 0; i < cases.length; i += 2) {
            err.reset();
            assertEquals(2, run(cases[i]), String.join(" ", cases[i]));
            assertTrue(err().contains(cases[i + 1][0]), String.join(" ", cases[i]) + ": " + err());
            assertTrue(err().contains("Usage: vmarena " + cases[i][0] + " [-h] [--backend=linux|sim]"), err());
        }
        assertEquals("", out(), "nothing runs on a wrong value");
    }

    @Test
    void shouldPrintBenchProgressOneLinePerCaseWithoutCarriageReturnsInAPipe() {
        assertEquals(0, run("bench"), err());

        assertEquals(-1, err().indexOf('\r'), "a \\r in a pipe: " + err());
        final String[] steps = err().split("\n");
        assertEquals(20, steps.length, err());
        assertEquals("[ 1/20] MULTI_VMA              1 VMA, 64 MiB", steps[0]);
        assertEquals("[20/20] COPY                   1 VMA, 64 MiB, populated", steps[19]);
        assertTrue(out().contains("\nmedian time of one move         MULTI_VMA  PER_VMA_KNOWN   PER_VMA_MAPS  "
            + "PER_VMA_QUERY           COPY known/one\n1 VMA, 64 MiB   "), out());
    }

    @Test
    void shouldRunTheDemoToTheEndOnTheSimulatorWithASmallSize() {
        assertEquals(0, run("demo", "--backend", "sim", "--size", "2M"), err());

        assertTrue(out().contains("\n   backend sim: Linux 6.17"), out());
        // Its lines wrap at $COLUMNS (60 at least), so these figures are matched where no wrap can break them.
        assertTrue(out().startsWith("vmarena demo: ") && out().contains("\nSIMULATOR: this runs on vmarena's model of "
            + "Linux"), out());
        assertTrue(out().matches("(?s).*\n2\\. Fill: 2\\.0 MiB in [0-9,]+ blocks.*"), out());
        assertTrue(out().contains("every live block intact"), out());
        assertTrue(out().matches("(?s).*\nThe demo took [0-9.]+ (us|ms|s) \\(model\\)\\.\n"), out());
    }

    @Test
    void shouldRunTheDoctorOnTheBackendAskedFor() {
        assertEquals(0, run("doctor", "--backend", "sim"), err());

        assertTrue(out().contains("\nbackend                  sim\n"), out());
    }

    @Test
    void shouldPrintTheVerdictOfASingleOpsFile(@TempDir final Path directory) throws IOException {
        final Path script = directory.resolve("one.ops");
        Files.writeString(script, "window 2\n--- expect\n> window 2\nok\n");

        assertEquals(0, run("ops", script.toString(), "--backend", "sim"), err());

        assertEquals("> window 2\nok\nPASS " + script + "\n", out());
    }

    @Test
    void shouldExplainWhatAMissingMemlockBudgetCosts() {
        final Feature no = Feature.absent("test");
        final Feature yes = Feature.present("test");
        final Capabilities caps = Capabilities.builder().backend("test")
            .multiVmaMove(yes).lockOnFault(yes).procmapQuery(yes).ipcLock(no).pageSize(4096).pmdBytes(2 << 20)
            .thpMode("madvise").memlock(8 << 20, 8 << 20).maxMapCount(65530).kernelRelease("6.8.0-1")
            .architecture("amd64").zeroPage(yes).trait(io.vmarena.vm.KernelTrait.DONTUNMAP_SETTLES, yes).build();

        assertEquals("memlock: 8 MiB soft limit, 8 MiB hard, no CAP_IPC_LOCK: pinning limited to 8 MiB; raise with "
            + "ulimit -l / LimitMEMLOCK= / --ulimit memlock", Doctor.memlockLine(caps));
        assertEquals("kernel 6.8 < 6.17", Doctor.why(caps, 6, 17, no));
        assertEquals("test", Doctor.why(caps, 6, 4, no));
        assertEquals("", Doctor.thpAdvice(caps));
    }

    @Test
    void shouldSayWhatTheThpModeAndDefragMeanForArenas() {
        assertEquals("huge pages for arenas: only arenas built with hugePages(WANTED); defrag madvise: a first touch "
            + "of a WANTED arena's memory may stall to compact memory (populate() it before traffic)",
            Doctor.hugePagesLine(thp("madvise", "madvise")));
        assertEquals("huge pages for arenas: every arena gets them where its memory allows, unless built with "
            + "hugePages(REFUSED); defrag always: a first touch of any arena's memory may stall to compact memory "
            + "(populate() it before traffic, or build latency-critical arenas with hugePages(REFUSED))",
            Doctor.hugePagesLine(thp("always", "always")));
        assertEquals("huge pages for arenas: every arena gets them where its memory allows, unless built with "
            + "hugePages(REFUSED); defrag defer+madvise: a first touch of a WANTED arena's memory may stall to "
            + "compact memory (populate() it before traffic), other arenas' faults do not wait",
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
            .maxMapCount(65530).kernelRelease("6.18.0").architecture("amd64").zeroPage(yes).trait(io.vmarena.vm.KernelTrait.DONTUNMAP_SETTLES, yes).build();
    }

    @Test
    void shouldNotSendASimulatorUserToSysfsForHugePages() {
        final Capabilities simulated = new io.vmarena.vm.sim.SimulatedAddressSpace(io.vmarena.vm.sim.KernelProfile
            .LINUX_6_17, 64L << 20).capabilities();

        assertEquals(" (the simulator does not model transparent huge pages)", Doctor.thpAdvice(simulated));
    }
}
