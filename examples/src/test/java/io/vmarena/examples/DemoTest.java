package io.vmarena.examples;

import io.vmarena.examples.support.CorruptingAddressSpace;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.Protection;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTest {
    private static final long PAGE = 4096; // the simulator's default page size

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int demo(final AddressSpace space, final String... args) {
        final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        return new CommandLine(new Demo(new PrintStream(out, true, StandardCharsets.UTF_8), errStream, space)
            .unwrapped()).setErr(new PrintWriter(errStream, true)).execute(args);
    }

    private String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldTellTheWholeStoryOnTheSimulatorAndExitZero() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, demo(space), err.toString(StandardCharsets.UTF_8) + printed());
        }

        final String text = printed();
        for (final String line : new String[] {
            "1. The machine", "backend sim: Linux 6.17", "multi-VMA moves: yes", "sizes are 1/8 of Linux's",
            "2. Fill: 32.0 MiB in ", "every byte written with a seeded pattern", "segments:", "fragmentation",
            "3. Fragment: freed 2 of every 3 blocks", "trim(Long.MAX_VALUE) gave ", "RSS ",
            "4. Grow by moving", "so it cannot grow in place", "moves 0 -> 1", "copying the same ",
            "5. Reallocate a large block", "5a. Pin the hot part", "6. Check", "7. Close", "compaction"}) {
            assertTrue(text.contains(line), line + " missing from:\n" + text);
        }
        assertMatches("it grew from 64 MiB to 256 MiB by moving, in [0-9.]+ (us|ms|s)", text);
        assertMatches("base 0x[0-9a-f]+ -> 0x[0-9a-f]+; VMAs \\d+ -> \\d+; grows \\d+ -> \\d+", text);
        assertMatches("\\[0x[0-9a-f]+, 0x[0-9a-f]+\\) rw-  ", text);
        assertMatches("reallocate to [0-9.]+ [KM]iB: moved to 0x[0-9a-f]+ in ", text);
        assertMatches("every live block intact \\([0-9,]+ blocks, [0-9.]+ MiB checked\\)", text);
        assertMatches("no mapping left in \\[0x[0-9a-f]+, 0x[0-9a-f]+\\) \\(the arena's first range\\)", text);
        assertMatches("no mapping left in \\[0x[0-9a-f]+, 0x[0-9a-f]+\\) \\(where it moved\\)", text);
        assertFalse(text.contains("mappings left"), text);
        assertFalse(text.contains("compaction are not implemented"), text);
    }

    @Test
    void shouldCompactBesideAnIdenticalPerVmaArenaAndKeepEveryBlock() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, demo(space), err.toString(StandardCharsets.UTF_8) + printed());
        }

        final String text = printed();
        final String step = text.substring(text.indexOf("5b. Compact"), text.indexOf("6. Check"));
        assertTrue(text.indexOf("5. Reallocate a large block") < text.indexOf("5b. Compact"), text);
        for (final String line : new String[] {
            "5b. Compact: compactSlice() until complete, as compact() does, pause budget 500 us",
            "stats() forecast: a full compaction gives back ", "sparse small-block segments: ",
            " small-block segments: ", " blocks (", ") copied down into their free slots, so that trim can give their top "
                + "pages back",
            "no handle changed: the demo still holds the ones allocate returned",
            "beside it, the same compaction of an identical arena with moveStrategy(PER_VMA_PROC_MAPS) on a simulated "
                + "Linux 6.1, whose mremap cannot cross VMAs, one mremap per VMA:",
            "identical before compaction (reserved, committed, resident and used bytes, VMAs, segments)",
            "(the simulator's times: a Java model's, not a kernel's)", "VMAs each on average"}) {
            assertTrue(step.contains(line), line + " missing from:\n" + step);
        }
        assertMatches("before \\(\\d+ VMAs?\\):\n {5}\\[0x", step);
        assertMatches("after \\(\\d+ VMAs?\\):\n {5}\\[0x", step);
        assertMatches("\\d+ slices?, pauses? .*longest [0-9.]+ (us|ms|s); [0-9.]+ (us|ms|s) paused in all", step);
        assertMatches("multi-VMA: [0-9,]+ mremap calls in [0-9,]+ slices?, [0-9.]+ (us|ms|s) paused; per-VMA: "
            + "[0-9,]+ mremap calls in [0-9,]+ slices?, [0-9.]+ (us|ms|s) paused: the (multi-VMA|per-VMA) compaction "
            + "was [0-9.,]+x faster", step);
        assertMatches("the per-VMA arena's [0-9,]+ live blocks are intact too", step);
        assertMatches("every live block intact \\(", text);

        final List<long[]> moves = moves(step);
        assertEquals(2, moves.size(), step);
        final long[] perVma = moves.get(1);
        assertTrue(perVma[0] > 0, step);
        assertEquals(perVma[2], perVma[1], "one mremap per VMA moved on simulated 6.1:\n" + step);
        final List<double[]> figures = figures(step);
        assertEquals(2, figures.size(), step);
        for (final double[] figure : figures) {
            assertTrue(figure[1] < figure[0], "reserved bytes not reduced:\n" + step);
            assertTrue(figure[3] < figure[2], "committed bytes not reduced:\n" + step);
        }
        assertArrayEquals(figures.get(0), figures.get(1), 0, "the two arenas compacted to different figures:\n" + step);
    }

    @Test
    void shouldPinTheHotPartBeforeCompactionAndShowVmLckFollowTheHeldBytes() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, demo(space), err.toString(StandardCharsets.UTF_8) + printed());
            assertEquals(0, space.lockedBytes(), "the closed arenas left memory locked");
        }

        final String text = printed();
        assertTrue(text.indexOf("5. Reallocate a large block") < text.indexOf("5a. Pin the hot part")
            && text.indexOf("5a. Pin the hot part") < text.indexOf("5b. Compact"), text);
        final String step = text.substring(text.indexOf("5a. Pin the hot part"), text.indexOf("5b. Compact"));
        assertTrue(step.startsWith("5a. Pin the hot part: pin() locks what the arena holds with mlock2(MLOCK_ONFAULT)"
            + "\n"), step);
        assertTrue(step.contains("   before: VmLck (simulated) 0 bytes, stats().pinnedBytes 0 bytes, resident (RSS) "),
            step);
        final Matcher pin = Pattern.compile("pin\\(\\) took [0-9.]+ (?:us|ms|s): PINNED, ([0-9.]+ (?:bytes|[KMG]iB)) "
            + "pinned of the ([0-9.]+ (?:bytes|[KMG]iB)) the arena holds \\(segments in use and retained\\)")
            .matcher(step);
        assertTrue(pin.find(), step);
        final String pinned = pin.group(1);
        assertEquals(pin.group(2), pinned, "the pin locks all the arena holds");
        assertTrue(bytes(pinned) > 0, step);
        assertTrue(step.contains("after: VmLck (simulated) " + pinned + " (+" + pinned + "), stats().pinnedBytes "
            + pinned + ", resident (RSS) "), step);
        assertTrue(step.contains("RSS unchanged: MLOCK_ONFAULT faults nothing in"), step);
        assertFalse(step.contains("not wholly pinned"), step);

        final String size = "([0-9.]+ (?:bytes|[KMG]iB))";
        final Matcher compacted = Pattern.compile("pinned after compaction: VmLck \\(simulated\\) " + size + " \\(\\+"
            + size + "\\), stats\\(\\).pinnedBytes " + size + ", resident \\(RSS\\) " + size + ", of it locked "
            + "\\(smaps Locked\\) " + size + "; " + Pattern.quote(pinned) + " were pinned before it: the locked bytes "
            + "follow the " + size + " the arena holds").matcher(text);
        assertTrue(compacted.find(), text);
        assertEquals(compacted.group(1), compacted.group(2), "nothing else locked");
        assertEquals(compacted.group(1), compacted.group(3), "VmLck is the arena's pinned bytes");
        assertEquals(compacted.group(1), compacted.group(6), "the pinned bytes are what the arena holds");
        assertEquals(compacted.group(4), compacted.group(5), "every resident page of the pinned arena is locked");
        assertTrue(bytes(compacted.group(1)) < bytes(pinned), "the compaction gave locked memory back:\n" + text);
        assertTrue(text.indexOf("pinned after compaction") < text.indexOf("beside it, the same compaction"), text);
        assertTrue(text.contains("identical before compaction (reserved, committed, resident and used bytes, VMAs, "
            + "segments)"), "the replay pinned too:\n" + text);
        assertTrue(text.contains("   VmLck (simulated) 0 bytes after close (0 bytes before the pin): the arena's "
            + "locked bytes went with its mappings"), text);
    }

    @Test
    void shouldSayWhyAndWorkOnWhenTheKernelRefusesThePin() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withMemlock(0)
            .withIpcLock(false))) {
            assertEquals(0, demo(space), err.toString(StandardCharsets.UTF_8) + printed());
        }

        final String text = printed();
        assertMatches("pin\\(\\) took [0-9.]+ (us|ms|s): REFUSED, 0 bytes pinned of the [0-9.]+ [KMG]iB the arena "
            + "holds", text);
        assertMatches("\n   not wholly pinned, and the arena works on: arena 'demo' is not pinned: RLIMIT_MEMLOCK is 0 "
            + "and the process lacks CAP_IPC_LOCK, so the kernel refuses every lock \\(EPERM\\); the arena works "
            + "unpinned\\. To pin it, raise RLIMIT_MEMLOCK .*ulimit -l.*LimitMEMLOCK=.*--ulimit memlock.*--cap-add "
            + "IPC_LOCK[^\n]*\n", text);
        assertTrue(text.contains("after: VmLck (simulated) 0 bytes, stats().pinnedBytes 0 bytes"), text);
        assertTrue(text.contains("pinned after compaction: VmLck (simulated) 0 bytes, stats().pinnedBytes 0 bytes"),
            text);
        assertTrue(text.contains("identical before compaction"), "the replay was refused alike:\n" + text);
        assertMatches("every live block intact \\(", text);
    }

    @Test
    void shouldPinWhatFitsUnderASmallMemlockLimit() {
        final long limitBytes = 4L << 20;
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withMemlock(limitBytes)
            .withIpcLock(false))) {
            assertEquals(0, demo(space), err.toString(StandardCharsets.UTF_8) + printed());
        }

        final String text = printed();
        assertMatches("pin\\(\\) took [0-9.]+ (us|ms|s): PARTLY_PINNED, [0-9.]+ (bytes|KiB|MiB) pinned of the "
            + "[0-9.]+ MiB the arena holds", text);
        assertMatches("\n   not wholly pinned, and the arena works on: arena 'demo' is pinned in part by pin\\(\\): "
            + "[0-9]+ bytes locked, [0-9]+ bytes work unpinned; [^\n]*ENOMEM[^\n]*\n", text);
        final Matcher after = Pattern.compile("after: VmLck \\(simulated\\) ([0-9.]+ (?:bytes|KiB|MiB))").matcher(text);
        assertTrue(after.find(), text);
        assertTrue(bytes(after.group(1)) > 0 && bytes(after.group(1)) <= limitBytes, text);
        assertMatches("every live block intact \\(", text);
    }

    @Test
    void shouldMoveVmaByVmaOnAKernelBefore617() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_1)) {
            assertEquals(0, demo(space), err.toString(StandardCharsets.UTF_8) + printed());
        }

        assertTrue(printed().contains("multi-VMA moves: no"), printed());
        assertMatches("by moving, in ", printed());
        assertMatches("every live block intact \\(", printed());
        assertTrue(printed().contains("no per-VMA arena beside it: this kernel has no multi-VMA move"), printed());
        final List<long[]> moves = moves(printed());
        assertEquals(1, moves.size(), printed());
        assertEquals(moves.get(0)[2], moves.get(0)[1], "one mremap per VMA moved on simulated 6.1:\n" + printed());
        final double[] figures = figures(printed()).get(0);
        assertTrue(figures[1] < figures[0] && figures[3] < figures[2], printed());
    }

    @Test
    void shouldExitOneNamingTheBlockAMoveDamaged() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(1, demo(new CorruptingAddressSpace(space)), printed());
        }

        // Every move damages its first byte; the arena's first moves with the arena, and block 0 is there.
        assertMatches("block 0 \\(handle 0x[0-9a-f]+, [0-9.]+ \\w+ at 0x[0-9a-f]+\\) does not match", printed());
        assertFalse(printed().contains("every live block intact"), printed());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("block 0 is damaged"));
    }

    @Test
    void shouldRefuseAnUnknownOptionWithExitTwoBeforeTouchingMemory() {
        final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, new CommandLine(new Demo(new PrintStream(out, true, StandardCharsets.UTF_8), errStream))
            .setErr(new PrintWriter(errStream, true)).execute("--quick"));

        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Unknown option: '--quick'"), err.toString());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Usage: demo [-h]"), err.toString());
        assertEquals("", printed());
    }

    @Test
    void shouldShowAtMostTwelveVmaLines() {
        final List<Mapping> mappings = new ArrayList<>();
        for (int index = 0; index < 13; index++) {
            mappings.add(Mapping.of(index * 2 * PAGE, (index * 2 + 1) * PAGE, Protection.READ_WRITE));
        }

        final List<String> all = DemoText.vmaMap(mappings.subList(0, 12));
        final List<String> cut = DemoText.vmaMap(mappings);

        assertEquals(12, all.size());
        assertEquals("[0x0, 0x1000) rw-  4 KiB", all.get(0));
        assertEquals(12, cut.size());
        assertEquals("... 2 more", cut.get(11));
    }

    @Test
    void shouldKeepEveryLineWithinEightyColumns() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
            assertEquals(0, new CommandLine(new Demo(new PrintStream(out, true, StandardCharsets.UTF_8), errStream,
                space).wrappedAt(Demo.COLUMNS)).setErr(new PrintWriter(errStream, true)).execute());
        }

        for (final String line : printed().split("\n")) {
            assertTrue(line.length() <= Demo.COLUMNS, line.length() + " columns: " + line);
        }
        assertTrue(printed().startsWith("vmarena demo: an arena filled, fragmented, trimmed, grown by moving, checked\n"
            + "SIMULATOR: this runs on vmarena's model of Linux, in this process's memory, not\n"
            + "  on this machine's kernel: "), printed());
    }

    @Test
    void shouldWrapAtSpacesWithAHangingIndentAndKeepFiguresWhole() {
        assertEquals(List.of("   short"), DemoText.wrap("   short", 20));
        assertEquals(List.of("   moves 0 -> 1,", "     resident", "     26.5 MiB -> 13.6 MiB"),
            DemoText.wrap("   moves 0 -> 1, resident 26.5 MiB -> 13.6 MiB", 20));
        assertEquals(List.of("2. Fill: 32.0 MiB", "  in 7 blocks"), DemoText.wrap("2. Fill: 32.0 MiB in 7 blocks", 19));
        assertEquals(List.of("   [0x7f0000000000,", "     0x7f0000200000)"),
            DemoText.wrap("   [0x7f0000000000, 0x7f0000200000)", 10), "a word longer than a line stays whole");
        assertEquals(Demo.COLUMNS, Demo.columns(null));
        assertEquals(132, Demo.columns("132"));
        assertEquals(Demo.COLUMNS, Demo.columns("20"), "too narrow for the VMA map");
        assertEquals(Demo.COLUMNS, Demo.columns("wide"));
    }

    @Test
    void shouldSayAtTheTopThatItRunsOnTheSimulatorAndMarkItsTimes() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertEquals(0, demo(space), err.toString(StandardCharsets.UTF_8) + printed());
        }

        final String text = printed();
        assertTrue(text.startsWith("vmarena demo: an arena filled, fragmented, trimmed, grown by moving, checked\n"
            + "SIMULATOR: this runs on vmarena's model of Linux, in this process's memory, not on this machine's "
            + "kernel: its times are a Java model's, not a kernel's, each marked (model)\n"), text);
        for (final String timed : new String[] {"took [0-9.]+ (us|ms|s) \\(model\\): allocating [0-9.]+ (us|ms|s) "
            + "\\(model\\), writing [0-9.]+ (us|ms|s) \\(model\\)", "by moving, in [0-9.]+ (us|ms|s) \\(model\\)",
            "checked\\) in [0-9.]+ (us|ms|s) \\(model\\)", "unmapped in [0-9.]+ (us|ms|s) \\(model\\)",
            "The demo took [0-9.]+ (us|ms|s) \\(model\\)\\."}) {
            assertMatches(timed, text);
        }
        assertMatches("used \\([0-9.]+ MiB\\) is more than the 32.0 MiB filled: a small block takes its whole size "
            + "class, a large one whole segments \\(a run\\)", text);
        assertTrue(text.contains("fragmentation: the share of the bytes in small-block and run segments not handed "
            + "out"), text);
        assertMatches("trim gave back ([0-9.]+ MiB), RSS fell by [0-9.]+ MiB: trim counts every page it released, "
            + "RSS only those that were in memory", text);
        assertTrue(text.contains("times vary from run to run"), text);
    }

    @Test
    void shouldNotMarkTimesAsAModelsOnLinux() {
        final io.vmarena.vm.AddressSpace linux;
        try {
            linux = io.vmarena.vm.AddressSpaces.open("linux");
        } catch (final RuntimeException | LinkageError unavailable) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "needs the Linux backend: " + unavailable);
            return;
        }
        assertEquals(0, demo(linux, "--size", "16M"), err.toString(StandardCharsets.UTF_8) + printed());

        assertFalse(printed().contains("(model)"), printed());
        assertFalse(printed().contains("SIMULATOR"), printed());
        assertMatches("\nThe demo took [0-9.]+ (us|ms|s)\\.\n", printed());
    }

    /** Each compaction's {runs, mremap calls, VMAs moved}, in the order printed. */
    private static List<long[]> moves(final String text) {
        final Matcher matcher = Pattern.compile("slid [0-9.]+ (?:bytes|[KMG]iB) down by page tables in ([0-9,]+) "
            + "runs?: ([0-9,]+) mremap calls moving ([0-9,]+) VMAs").matcher(text);
        final List<long[]> found = new ArrayList<>();
        while (matcher.find()) {
            found.add(new long[] {number(matcher.group(1)), number(matcher.group(2)), number(matcher.group(3))});
        }
        return found;
    }

    /** Each compaction's {reserved before, after, committed before, after, resident before, after} in bytes. */
    private static List<double[]> figures(final String text) {
        final String bytes = "([0-9.]+ (?:bytes|[KMG]iB))";
        final Matcher matcher = Pattern.compile("reserved " + bytes + " -> " + bytes + ", committed " + bytes + " -> "
            + bytes + ", resident \\(RSS\\) " + bytes + " -> " + bytes + ", VMAs \\d+ -> \\d+").matcher(text);
        final List<double[]> found = new ArrayList<>();
        while (matcher.find()) {
            final double[] figure = new double[6];
            for (int group = 0; group < figure.length; group++) {
                figure[group] = bytes(matcher.group(group + 1));
            }
            found.add(figure);
        }
        return found;
    }

    private static long number(final String digits) {
        return Long.parseLong(digits.replace(",", ""));
    }

    /** {@code 78.8 MiB} as bytes (to the precision printed). */
    private static double bytes(final String text) {
        final String[] parts = text.split(" ");
        final int power = List.of("bytes", "KiB", "MiB", "GiB").indexOf(parts[1]);
        return Double.parseDouble(parts[0]) * Math.pow(1024, power);
    }

    private static void assertMatches(final String regex, final String text) {
        assertTrue(Pattern.compile(regex).matcher(text).find(), "no match for /" + regex + "/ in:\n" + text);
    }
}
