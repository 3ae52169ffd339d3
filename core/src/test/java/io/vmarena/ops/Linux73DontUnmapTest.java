package io.vmarena.ops;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What Debian's arm64 kernel 7.3 (in .ci/arm64's VM, 16 KiB pages) printed for the three scripts
 * the differential test shrank where it differed from the simulator's 6.17: a DONTUNMAP move
 * splits the moved piece off a locked source VMA and unlocks it alone, lowering locked_vm by its
 * length (6.18 unlocks the whole VMA and leaks, DU3, DU4), and the VMA it makes does not merge
 * with its source VMA. The simulator's {@link KernelProfile#LINUX_7_3} prints
 * the same; its 6.17 still prints what this machine's 6.18 does.
 */
class Linux73DontUnmapTest {
    @Test
    void shouldGiveBackTheLockedPagesADontunmapMoveTookOutOn73Only() throws Exception {
        final String script = "window 163\nlock 12 8\nmove 13 8 58\nremap 58 6 6 maymove dontunmap\nlocked\n";
        assertEquals("2", last(run(KernelProfile.LINUX_7_3, script)));
        assertEquals("8", last(run(KernelProfile.LINUX_6_17, script)));
        final String another = "window 149\nlock 109 8\nremap 114 3 3 dontunmap maymove\nlocked\n";
        assertEquals("5", last(run(KernelProfile.LINUX_7_3.withPageSize(16384), another)));
        assertEquals("8", last(run(KernelProfile.LINUX_6_17.withPageSize(16384), another)));
    }

    @Test
    void shouldKeepTheVmaADontunmapMoveMadeApartFromItsSourceOn73Only() throws Exception {
        final String script = "window 199\nremap 73 8 8 maymove fixed 26 dontunmap\nmaps\n";
        assertEquals(List.of("[0, 34) --- rss=0 noreserve", "[34, 199) --- rss=0 noreserve"),
            tail(run(KernelProfile.LINUX_7_3.withPageSize(16384), script), 2));
        assertEquals(List.of("[0, 199) --- rss=0 noreserve"), tail(run(KernelProfile.LINUX_6_17, script), 1));
    }

    @Test
    void shouldUnlockOnlyTheMovedPieceOfALockedSourceOn73() throws Exception {
        final String script = "window 98\nlock 58 5 onfault\nremap 61 2 2 dontunmap maymove\nmaps\n";
        assertEquals(List.of("[0, 58) --- rss=0 noreserve", "[58, 61) --- rss=0 locked onfault noreserve",
            "[61, 63) --- rss=0 noreserve", "[63, 98) --- rss=0 noreserve"), tail(run(KernelProfile.LINUX_7_3, script), 4));
        final String unmapped = "window 149\nlock 109 8\nremap 114 3 3 dontunmap maymove\nmap 107 6 rw-\nlocked\n";
        assertEquals("1", last(run(KernelProfile.LINUX_7_3, unmapped)));
    }

    private static List<String> run(final KernelProfile profile, final String text) throws Exception {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(profile, 64L << 20)) {
            return Transcripts.withoutTrailingBlankLines(new ScenarioRunner(space).run(ScriptParser.parse("t.ops", text)));
        }
    }

    private static String last(final List<String> transcript) {
        return transcript.get(transcript.size() - 1);
    }

    private static List<String> tail(final List<String> transcript, final int count) {
        return transcript.subList(transcript.size() - count, transcript.size());
    }
}
