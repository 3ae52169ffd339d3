package io.vmarena;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.vmarena.PinningSteps.field;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pinning under RLIMIT_MEMLOCK without CAP_IPC_LOCK, on every address space: the simulator with
 * the same limit ({@code withMemlock(bytes).withIpcLock(false)}) and Linux in a child JVM
 * (setpriv and prlimit). The steps and their answers are {@link PinningSteps}'; limits are
 * counted in segments (64 KiB, or four pages), so every page size sees the same arenas.
 * {@code check} answers VmLck's delta, the arenas' pinnedBytes and their locked VMAs' bytes,
 * which must agree after every change; every byte of every block is read back each time.
 */
public abstract class PinningLimitsContract {
    /** Runs the steps with RLIMIT_MEMLOCK at {@code memlockBytes} and no CAP_IPC_LOCK; the answers in order. */
    protected abstract List<String> run(long memlockBytes, List<String> steps) throws Exception;

    /** The page size of the address space the steps run on. */
    protected abstract long pageSize();

    private long segmentBytes() {
        return Math.max(64L << 10, 4 * pageSize());
    }

    private List<String> runChecked(final long memlockBytes, final String... steps) throws Exception {
        final List<String> answers = run(memlockBytes, List.of(steps));
        assertEquals(steps.length, answers.size(), () -> "an answer per step: " + answers);
        for (int index = 0; index < steps.length; index++) {
            assertFalse(answers.get(index).startsWith("FAILED"), steps[index] + " -> " + answers.get(index));
        }
        return answers;
    }

    /** check's three figures agree: VmLck grew by what the arenas say they pinned, which is what their VMAs lock. */
    private static void assertAgrees(final String check, final String step) {
        assertEquals(field(check, "pinned"), field(check, "vmlckDelta"), step + ": VmLck against stats: " + check);
        assertEquals(field(check, "pinned"), field(check, "lockedVmas"), step + ": locked VMAs against stats: "
            + check);
    }

    @Test
    void shouldPinWithinTheLimitAndKeepVmLckEqualToPinnedBytesThroughEveryChange() throws Exception {
        final long segmentBytes = segmentBytes();
        final List<String> answers = runChecked(112 * segmentBytes, "arena:a:16", "pin:a", "check", "grow:a:12",
            "check", "realloc:a:12", "check", "free:a", "check", "compact:a", "check", "trim:a", "check", "unpin:a",
            "check", "pin:a", "close:a", "check", "warnings");

        final String pinned = answers.get(1);
        assertTrue(pinned.startsWith("PINNED "), pinned);
        assertTrue(field(pinned, "pinned") >= 16 * segmentBytes, pinned);
        assertEquals(field(pinned, "held"), field(pinned, "pinned"), "a wholly pinned arena locks what it holds");
        assertEquals(field(pinned, "pinned"), field(answers.get(2), "vmlckDelta"), "VmLck grew by pinnedBytes");
        for (final int check : new int[] {2, 4, 6, 8, 10, 12}) {
            assertAgrees(answers.get(check), "after " + answers.get(check - 1));
            assertEquals(field(answers.get(check), "held"), field(answers.get(check), "pinned"),
                "wholly pinned after step " + (check - 1) + ": " + answers.get(check));
        }
        assertTrue(field(answers.get(3), "moves") > 0, "the arena grew by moving: " + answers.get(3));
        assertTrue(answers.get(5).startsWith("moved=true"), "the large block moved: " + answers.get(5));
        assertTrue(answers.get(13).startsWith("UNPINNED pinned=0 "), answers.get(13));
        assertEquals(0, field(answers.get(14), "vmlckDelta"), "unpin unlocks everything: " + answers.get(14));
        assertEquals("vmlckDelta=0 pinned=0 lockedVmas=0 held=0", answers.get(17), "close unmaps what was locked");
        assertEquals("count=0 | ", answers.get(18), "no refusal, nothing logged");
    }

    @Test
    void shouldLeaveTheArenaWorkingUnpinnedAndSayHowToFixItOnceWhenTheLimitIsZero() throws Exception {
        final List<String> answers = runChecked(0, "arena:a:16", "pin:a", "grow:a:10", "pin:a", "grow:a:10",
            "realloc:a:20", "free:a", "compact:a", "trim:a", "pin:a", "check", "warnings");

        for (final int pin : new int[] {1, 3, 9}) {
            final String answer = answers.get(pin);
            assertTrue(answer.startsWith("REFUSED pinned=0 unpinned=" + field(answer, "held") + " "), answer);
            for (final String fix : List.of("EPERM", "ulimit -l", "LimitMEMLOCK=", "--ulimit memlock",
                "--cap-add IPC_LOCK")) {
                assertTrue(answer.contains(fix), "the reason names " + fix + ": " + answer);
            }
        }
        assertTrue(field(answers.get(2), "moves") > 0, "the arena grew by moving: " + answers.get(2));
        assertEquals(0, field(answers.get(10), "vmlckDelta"), answers.get(10));
        assertAgrees(answers.get(10), "after everything at limit 0");
        final String warnings = answers.get(11);
        assertEquals(1, field(warnings, "count"), "one WARNING for three pins and two growths: " + warnings);
        assertTrue(warnings.contains("ulimit -l") && warnings.contains("--cap-add IPC_LOCK"), warnings);
    }

    @Test
    void shouldPinWhatFitsUnderASmallLimitAndTheRestOnceAnotherArenaUnpins() throws Exception {
        final long segmentBytes = segmentBytes();
        final long limitBytes = 24 * segmentBytes;
        final List<String> answers = runChecked(limitBytes, "limit", "arena:b:8", "pin:b", "arena:a:32", "pin:a",
            "check", "grow:a:12", "check", "grow:a:12", "check", "warnings", "unpin:b", "pin:a", "check", "close:b",
            "check");

        final long ownLockedBytes = field(answers.get(0), "baseLocked");
        final String pinnedB = answers.get(2);
        assertTrue(pinnedB.startsWith("PINNED "), pinnedB);
        final String partly = answers.get(4);
        assertTrue(partly.startsWith("PARTLY_PINNED "), partly);
        final long pinnedA = field(partly, "pinned");
        assertTrue(pinnedA > 0, "a test of partial pins must lock something: " + partly);
        assertTrue(pinnedA + field(pinnedB, "pinned") <= limitBytes - ownLockedBytes, partly);
        assertTrue(pinnedA + field(pinnedB, "pinned") > limitBytes - ownLockedBytes - 2 * segmentBytes,
            "what fits is locked, to the segment: " + partly);
        assertEquals(field(partly, "held"), pinnedA + field(partly, "unpinned"), partly);
        assertTrue(partly.contains("ulimit -l"), "the reason names the fix: " + partly);
        for (final int check : new int[] {5, 7, 9, 13, 15}) {
            assertAgrees(answers.get(check), "after " + answers.get(check - 1));
        }
        assertEquals(field(answers.get(5), "pinned"), field(answers.get(9), "pinned"),
            "growth beyond the limit goes on unpinned: " + answers.get(9));
        final String warnings = answers.get(10);
        assertEquals(1, count(warnings, "grew past the memlock limit"), "growth past the limit is told once: "
            + warnings);
        final String again = answers.get(12);
        assertTrue(field(again, "pinned") >= pinnedA + field(pinnedB, "pinned") - segmentBytes,
            "unpinning b freed its budget for a: " + again + " after " + partly);
    }

    @Test
    void shouldKeepVmLckEqualToPinnedBytesThroughMovesCompactionAndFreesWhenPartlyPinned() throws Exception {
        final long segmentBytes = segmentBytes();
        final List<String> answers = runChecked(40 * segmentBytes, "arena:a:16", "pin:a", "check", "grow:a:40",
            "check", "realloc:a:40", "check", "free:a", "check", "compact:a", "check", "pin:a", "check", "trim:a",
            "check", "unpin:a", "check", "pin:a", "close:a", "check");

        assertTrue(answers.get(1).startsWith("PINNED "), answers.get(1));
        final String grown = answers.get(4);
        assertTrue(field(grown, "pinned") > 0 && field(grown, "pinned") < field(grown, "held"),
            "partly pinned after growing past the limit: " + answers.get(4));
        for (int check = 2; check <= 16; check += 2) {
            assertTrue(answers.get(check).startsWith("vmlckDelta="), answers.get(check));
            assertAgrees(answers.get(check), "after " + answers.get(check - 1));
        }
        assertEquals("vmlckDelta=0 pinned=0 lockedVmas=0 held=0", answers.get(19));
    }

    /**
     * COPY moves copy the pages and lock the copies once the sources are unmapped: a copy must be
     * locked as its source was, and never counted twice, even with a limit the arena fills.
     */
    @Test
    void shouldKeepVmLckEqualToPinnedBytesThroughCopyingMovesUnderTheLimit() throws Exception {
        final long segmentBytes = segmentBytes();
        final List<String> answers = runChecked(40 * segmentBytes, "arena:a:16:COPY", "pin:a", "check", "grow:a:12",
            "check", "realloc:a:8", "check", "free:a", "check", "compact:a", "check", "grow:a:30", "check", "unpin:a",
            "check");

        assertTrue(answers.get(1).startsWith("PINNED "), answers.get(1));
        assertTrue(field(answers.get(3), "moves") > 0, "the arena grew by copying: " + answers.get(3));
        for (final int check : new int[] {2, 4, 6, 8, 10}) {
            assertAgrees(answers.get(check), "after " + answers.get(check - 1));
            assertEquals(field(answers.get(check), "held"), field(answers.get(check), "pinned"),
                "wholly pinned after " + answers.get(check - 1) + ": " + answers.get(check));
        }
        assertAgrees(answers.get(12), "after growing past the limit by copying");
        assertTrue(field(answers.get(12), "pinned") < field(answers.get(12), "held"), answers.get(12));
        assertEquals(0, field(answers.get(14), "vmlckDelta"), answers.get(14));
    }

    @Test
    void shouldPopulateHeldMemoryWithoutWritingIt() throws Exception {
        final List<String> answers = runChecked(112 * segmentBytes(), "arena:a:24", "free:a", "populate:a",
            "check");

        final String populated = answers.get(2);
        assertTrue(populated.startsWith("method=POPULATE_WRITE "), populated);
        assertEquals(field(populated, "held"), field(populated, "populated"), populated);
        assertEquals(field(populated, "held"), field(populated, "after"), "resident after == held: " + populated);
    }

    @Test
    void shouldKeepExactAccountsThroughRandomStepsUnderASmallLimit() throws Exception {
        final List<String> steps = new ArrayList<>();
        for (final String seed : System.getProperty("vmarena.pinning.seeds", defaultSeeds()).split(",")) {
            steps.add("random:" + seed.trim() + ":" + randomSteps());
        }
        final List<String> answers = runChecked(12 * segmentBytes(), steps.toArray(new String[0]));
        for (final String answer : answers) {
            System.out.println("pinning model: " + answer); // the seed, for a rerun
            assertTrue(answer.startsWith("ok "), answer);
        }
    }

    /** Seeds when -Dvmarena.pinning.seeds is not given. */
    protected String defaultSeeds() {
        return "1,2,3";
    }

    /** Steps per seed. */
    protected int randomSteps() {
        return 300;
    }

    private static int count(final String text, final String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
