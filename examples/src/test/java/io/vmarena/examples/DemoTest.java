package io.vmarena.examples;

import io.vmarena.examples.support.CorruptingAddressSpace;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.Protection;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTest {
    private static final long PAGE = 4096; // the simulator's default page size

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int demo(final AddressSpace space, final String... args) {
        return new Demo(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), space).run(args);
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
            "5. Reallocate a large block", "6. Check", "7. Close", "Pinning", "compaction"}) {
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
    }

    @Test
    void shouldMoveVmaByVmaOnAKernelBefore617() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_1)) {
            assertEquals(0, demo(space), err.toString(StandardCharsets.UTF_8) + printed());
        }

        assertTrue(printed().contains("multi-VMA moves: no"), printed());
        assertMatches("by moving, in ", printed());
        assertMatches("every live block intact \\(", printed());
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
    void shouldRefuseAnyArgumentWithExitTwoBeforeTouchingMemory() {
        assertEquals(2, new Demo(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)).run(new String[] {"--quick"}));

        assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage: vmarena demo (it takes no arguments), got: "
            + "--quick"));
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

    private static void assertMatches(final String regex, final String text) {
        assertTrue(Pattern.compile(regex).matcher(text).find(), "no match for /" + regex + "/ in:\n" + text);
    }
}
