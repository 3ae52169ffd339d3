package io.vmarena.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vmarena ops} on the simulator (core's only backend): output, exit codes and bad input. */
class OpsToolTest {
    @TempDir
    Path directory;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args) {
        return OpsTool.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private String file(final String name, final String text) throws IOException {
        final Path path = directory.resolve(name);
        Files.writeString(path, text);
        return path.toString();
    }

    @Test
    void shouldPrintTheDesignsSampleTranscript() throws IOException {
        final String sample = file("sample.ops", "window 8\nmap 0 4 rw-\ntouch 0 2\nprotect 1 1 r--\nmaps\n");

        assertEquals(OpsTool.MATCHED, run(sample, "--backend", "sim"));

        assertEquals("> window 8\nok\n> map 0 4 rw-\nok\n> touch 0 2\nok\n> protect 1 1 r--\nok\n> maps\n"
            + "[0, 1) rw- rss=1\n[1, 2) r-- rss=1\n[2, 4) rw- rss=0\n[4, 8) --- rss=0 noreserve\n", out());
    }

    @Test
    void shouldEchoTokensJoinedBySingleSpacesAndIgnoreComments() throws IOException {
        final String script = file("spaces.ops", "# a comment\n\nwindow   4   # trailing\n  map\t0 1   rw-\nlocked\n");

        run(script);

        assertEquals("> window 4\nok\n> map 0 1 rw-\nok\n> locked\n0\n", out());
    }

    @Test
    void shouldExitOneAndPrintAUnifiedDiffWhenTheTranscriptDiffers() throws IOException {
        final String script = file("wrong.ops", "window 4\nmap 0 1 rw-\n--- expect\n> window 4\nok\n> map 0 1 rw-\nEINVAL\n");

        assertEquals(OpsTool.DIFFERED, run(script));

        assertTrue(out().contains("@@ -1,4 +1,4 @@\n > window 4\n ok\n > map 0 1 rw-\n-EINVAL\n+ok\n"), out());
    }

    @Test
    void shouldHeadEachOfSeveralFilesAndSayWhichPassed() throws IOException {
        final String good = file("good.ops", "window 2\n--- expect\n> window 2\nok\n\n\n");
        final String bad = file("bad.ops", "window 2\nlocked\n--- expect\n> window 2\nok\n");
        final String none = file("none.ops", "window 2\n");

        assertEquals(OpsTool.DIFFERED, run(good, bad, none));

        final String text = out();
        assertTrue(text.startsWith("=== " + good + "\n> window 2\nok\nPASS " + good + "\n=== " + bad + "\n"), text);
        assertTrue(text.contains("FAIL " + bad + "\n=== " + none + "\n> window 2\nok\n"), text);
        assertTrue(text.endsWith("> window 2\nok\n"), "a file without an expectation gets no verdict: " + text);
    }

    @Test
    void shouldNameTheFileAndLineOfASyntaxErrorAndRunNothing() throws IOException {
        final String mismatch = file("mismatch.ops", "window 2\n--- expect\n> window 3\n");
        final String broken = file("broken.ops", "# header\nwindow 8\nmap 0 9 rw-\n");

        assertEquals(OpsTool.BAD_INPUT, run(mismatch, broken));

        assertEquals("", out(), "nothing runs when any file is malformed");
        assertTrue(err().contains(broken + ":3: syntax error: P N = 0 9 reaches outside the window of 8 pages"), err());
    }

    @Test
    void shouldRefuseEveryKindOfMalformedLine() throws IOException {
        final List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"map 0 1 rw-\n", ":1: syntax error: the first operation must be 'window N'"});
        cases.add(new String[] {"window 4\nwindow 4\n", ":2: syntax error: 'window' may appear only once"});
        cases.add(new String[] {"window 4\nmap 0 1 rw\n", ":2: syntax error: PROT must be one of"});
        cases.add(new String[] {"window 4\nfrob 0 1\n", ":2: syntax error: unknown operation 'frob'"});
        cases.add(new String[] {"window 4\nmap -1 1 rw-\n", ":2: syntax error: P must be a decimal number"});
        cases.add(new String[] {"window 4\nremap 0 1 1 fixed\n", ":2: syntax error: 'fixed' needs the new page index"});
        cases.add(new String[] {"window 4\nremap 0 1 1 maymove maymove\n", "remap flag 'maymove' given twice"});
        cases.add(new String[] {"window 4\nadvise 0 1 sometimes\n", ":2: syntax error: ADVICE must be one of"});
        cases.add(new String[] {"window 4\nlock 0 1 later\n", ":2: syntax error: expected 'lock P N [onfault]'"});
        cases.add(new String[] {"window 4\nmove 0 2 3\n", ":2: syntax error: Q N = 3 2 reaches outside the window"});
        cases.add(new String[] {"# only a comment\n", ":1: syntax error: the script has no operations"});
        for (final String[] testCase : cases) {
            err.reset();
            final String script = file("case.ops", testCase[0]);
            assertEquals(OpsTool.BAD_INPUT, run(script), testCase[0]);
            assertTrue(err().contains(testCase[1]), testCase[0] + " -> " + err());
        }
    }

    @Test
    void shouldTakeTheSeedModuloTheByteItOnlyMattersAs() throws IOException {
        final String script = file("seed.ops", "window 2\nmap 0 1 rw-\nfill 0 1 4294967296\ncheck 0 1 0\n");

        run(script);

        assertTrue(out().endsWith("> check 0 1 0\nok\n"), out());
    }

    @Test
    void shouldEchoTheWindowLineAsWrittenAndAcceptOnlyAsciiDigits() throws IOException {
        run(file("zeros.ops", "window 0004\n"));
        assertEquals("> window 0004\nok\n", out());

        assertEquals(OpsTool.BAD_INPUT, run(file("digits.ops", "window 4\nmap \uFF10 1 rw-\n")));
        assertTrue(err().contains(":2: syntax error: P must be a decimal number"), err());
    }

    @Test
    void shouldRefuseARemapLengthThatOverflowsBytesWithEinval() throws IOException {
        final String script = file("overflow.ops", "window 4\nmap 0 1 rw-\nremap 0 1 4503599627370497 maymove\n"
            + "remap 0 1 999999999999999999 maymove\n");

        run(script);

        assertTrue(out().endsWith("> remap 0 1 4503599627370497 maymove\nEINVAL\n"
            + "> remap 0 1 999999999999999999 maymove\nEINVAL\n"), out());
    }

    @Test
    void shouldSayWhyAScriptCouldNotRunAndFailASingleFile() throws IOException {
        final String script = file("huge.ops", "window 99999999999\n");

        assertEquals(OpsTool.DIFFERED, run(script));

        assertTrue(err().contains("could not run"), err());
        assertEquals("FAIL " + script + "\n", out());
    }

    @Test
    void shouldPrintTheVerdictOfASingleFileAsOfSeveral() throws IOException {
        final String good = file("good.ops", "window 2\n--- expect\n> window 2\nok\n");
        final String bad = file("bad.ops", "window 2\n--- expect\n> window 2\nEINVAL\n");

        assertEquals(OpsTool.MATCHED, run(good));
        assertEquals("> window 2\nok\nPASS " + good + "\n", out());

        out.reset();
        assertEquals(OpsTool.DIFFERED, run(bad));
        assertTrue(out().endsWith("-EINVAL\n+ok\nFAIL " + bad + "\n"), out());
    }

    @Test
    void shouldPassAHugeRemapLengthToTheKernel() throws IOException {
        final String script = file("huge.ops", "window 4\nmap 0 1 rw-\nremap 0 1 999999999999999 maymove\n");

        run(script);

        assertTrue(out().endsWith("> remap 0 1 999999999999999 maymove\nEINVAL\n"), out());
    }

    @Test
    void shouldRunAHugeRemapLengthOnEveryPageSizeWithinTheSameHostMemory() throws IOException {
        // 2^52 pages wrap to 0 bytes at 4 KiB and are merely huge at 16 and 64 KiB: the room the
        // simulator makes for the largest remap is bounded in bytes, so none asks for 32 GiB.
        final String script = file("huge.ops", "window 16\nmap 0 4 rw-\nremap 0 4 4503599627370496 maymove\n"
            + "remap 0 4 40000000000 maymove\n");

        for (final String pageSize : new String[] {"4096", "16384", "65536"}) {
            out.reset();
            err.reset();

            run(script, "--page-size", pageSize);

            assertEquals("", err(), pageSize);
            assertTrue(out().endsWith("> remap 0 4 4503599627370496 maymove\nEINVAL\n"
                + "> remap 0 4 40000000000 maymove\nEINVAL\n"), pageSize + ": " + out());
        }
    }

    @Test
    void shouldPrintMovedAndUnmapItWhenTheKernelPlacesTheRemapElsewhere() throws IOException {
        final String script = file("moved.ops", "window 4\nmap 0 1 rw-\nmap 1 1 r--\nremap 0 1 2 maymove\nmaps\n");

        run(script);

        assertTrue(out().endsWith("> remap 0 1 2 maymove\nmoved\n> maps\n[1, 2) r-- rss=0\n[2, 4) --- rss=0 "
            + "noreserve\n"), out());
    }

    @Test
    void shouldShapeTheSimulatedKernelWithItsOptions() throws IOException {
        final String crossing = file("crossing.ops", "window 8\nmap 0 2 rw-\nprotect 1 1 r--\nmove 0 2 4\n");
        final String locking = file("locking.ops", "window 8\nmap 0 2 rw-\nlock 0 2 onfault\nlock 0 2\n");

        run(crossing, "--kernel", "6.1");
        assertTrue(out().endsWith("> move 0 2 4\nEFAULT\n"), out());
        out.reset();
        run(locking, "--no-ipc-lock", "--memlock", "0", "--page-size", "16384");
        assertTrue(out().endsWith("> lock 0 2 onfault\nEPERM\n> lock 0 2\nEPERM\n"), out());
        out.reset();
        run(locking, "--no-ipc-lock", "--memlock", "4096");
        assertTrue(out().endsWith("> lock 0 2 onfault\nENOMEM\n> lock 0 2\nENOMEM\n"), out());
    }

    @Test
    void shouldRefuseBadOptionsWithExitTwo() throws IOException {
        final String script = file("ok.ops", "window 1\n");

        assertEquals(OpsTool.BAD_INPUT, run(script, "--backend", "linux", "--kernel", "6.1"));
        assertTrue(err().contains("shape the simulated kernel; on Linux the real kernel, limits and traits apply"),
            err());
        assertEquals(OpsTool.BAD_INPUT, run(script, "--backend", "linux", "--zero-page", "no"));
        assertEquals(OpsTool.BAD_INPUT, run(script, "--zero-page", "maybe"));
        assertTrue(err().contains("--zero-page takes yes or no, got 'maybe'"), err());
        assertEquals(OpsTool.BAD_INPUT, run(script, "--kernel", "5.4"));
        assertEquals(OpsTool.BAD_INPUT, run(script, "--page-size", "8192"));
        assertEquals(OpsTool.BAD_INPUT, run(script, "--memlock", "lots"));
        assertEquals(OpsTool.BAD_INPUT, run(script, "--frobnicate"));
        for (final String[] bad : new String[][] {{"--zero-page"}, {"--zero-page", "YES"}, {"--zero-page", ""},
            {"--zero-page", "1"}, {"--zero-page", "--backend", "sim"}, {"--max-map-count", "0"},
            {"--max-map-count", "-1"}, {"--memlock", "-5"}, {"--page-size", "-4096"},
            {"--page-size", "99999999999999999999"}}) {
            final List<String> args = new ArrayList<>(List.of(script));
            args.addAll(List.of(bad));
            err.reset();
            assertEquals(OpsTool.BAD_INPUT, run(args.toArray(new String[0])), String.join(" ", bad));
            assertTrue(err().contains("usage: vmarena ops"), err());
        }
        assertEquals(OpsTool.BAD_INPUT, run(script, "--backend"));
        assertEquals(OpsTool.BAD_INPUT, run());
        assertEquals(OpsTool.BAD_INPUT, run(directory.resolve("missing.ops").toString()));
        assertTrue(err().contains("cannot read"), err());
        assertEquals("", out());
    }

    @Test
    void shouldPlayAKernelWithoutTheZeroPageWhenAsked() throws IOException {
        final String script = file("read.ops", "window 4\nmap 0 2 r--\nlock 0 2\nmaps\n");

        run(script, "--backend", "sim");
        assertTrue(out().endsWith("> maps\n[0, 2) r-- rss=0 locked\n[2, 4) --- rss=0 noreserve\n"), out());
        out.reset();
        run(script, "--zero-page", "no", "--kernel", "6.1");
        assertTrue(out().endsWith("> maps\n[0, 2) r-- rss=2 locked\n[2, 4) --- rss=0 noreserve\n"),
            "a later --kernel keeps the trait: " + out());
        out.reset();
        run(script, "--zero-page", "yes");
        assertTrue(out().endsWith("> maps\n[0, 2) r-- rss=0 locked\n[2, 4) --- rss=0 noreserve\n"), out());
    }

    /** The section naming the most conditions that hold wins, wherever it stands in the file. */
    @Test
    void shouldCompareWithTheMostSpecificSectionForTheKernelAndItsTraits() throws IOException {
        final String head = "> window 2\nok\n> map 0 1 rw-\nok\n> lock 0 1 onfault\nok\n> check 0 1 0\n"
            + "differs at page 0\n> maps\n";
        final String tail = "\n[1, 2) --- rss=0 noreserve\n";
        final String script = file("kernels.ops", "window 2\nmap 0 1 rw-\nlock 0 1 onfault\ncheck 0 1 0\nmaps\n"
            + "--- expect\n" + head + "[0, 1) rw- rss=0 locked onfault" + tail
            + "--- expect kernel=6.1\n" + head + "[0, 1) rw- rss=0 locked" + tail
            + "--- expect zero-page=no\n" + head + "[0, 1) rw- rss=1 locked onfault" + tail
            + "--- expect zero-page=no kernel=6.1\n" + head + "[0, 1) rw- rss=1 locked" + tail);

        assertEquals(OpsTool.MATCHED, run(script, "--kernel", "6.17"), out());
        assertEquals(OpsTool.MATCHED, run(script, "--kernel", "6.1"), out());
        assertEquals(OpsTool.MATCHED, run(script, "--kernel", "6.17", "--zero-page", "no"), out());
        out.reset();
        assertEquals(OpsTool.MATCHED, run(script, "--kernel", "6.1", "--zero-page", "no"), out());
        assertTrue(out().endsWith("PASS " + script + "\n"), out());
    }

    @Test
    void shouldCompareWithTheTranscriptOfTheSimulatedKernelsTraits() throws IOException {
        final String body = "window 2\nmap 0 1 rw-\ncheck 0 1 0\nmaps\n--- expect\n> window 2\nok\n> map 0 1 rw-\nok\n"
            + "> check 0 1 0\ndiffers at page 0\n> maps\n[0, 1) rw- rss=0\n[1, 2) --- rss=0 noreserve\n";
        final String tail = "> window 2\nok\n> map 0 1 rw-\nok\n> check 0 1 0\ndiffers at page 0\n> maps\n";
        final String right = file("right.ops", body + "--- expect zero-page=no\n" + tail
            + "[0, 1) rw- rss=1\n[1, 2) --- rss=0 noreserve\n");
        final String wrong = file("wrong.ops", body + "\n--- expect zero-page=no\n" + tail
            + "[0, 1) rw- rss=0\n[1, 2) --- rss=0 noreserve\n");

        assertEquals(OpsTool.MATCHED, run(right, "--backend", "sim"));
        assertEquals(OpsTool.MATCHED, run(right, "--zero-page", "no"));
        assertEquals(OpsTool.MATCHED, run(wrong, "--zero-page", "yes"));
        out.reset();
        assertEquals(OpsTool.DIFFERED, run(wrong, "--zero-page", "no"));
        assertTrue(out().contains("--- " + wrong + " (expected, zero-page=no)\n"), out());
        assertTrue(out().contains("-[0, 1) rw- rss=0\n+[0, 1) rw- rss=1\n"), out());
    }

    @Test
    void shouldRefuseMalformedAlternativeTranscripts() throws IOException {
        final List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"window 1\n--- expect zero-page=no\n> window 1\nok\n",
            ":2: syntax error: the main transcript comes first"});
        cases.add(new String[] {"window 1\n--- expect\n--- expect zero-page=maybe\n",
            ":3: syntax error: expected TRAIT=yes, TRAIT=no or kernel=6.1 after '--- expect', got 'zero-page=maybe'; "
                + "the traits are zero-page"});
        cases.add(new String[] {"window 1\n--- expect\n--- expect huge-zero-page=no\n", ":3: syntax error: expected "
            + "TRAIT=yes, TRAIT=no or kernel=6.1"});
        cases.add(new String[] {"window 1\n--- expect\n--- expect kernel\n", ":3: syntax error: expected kernel=6.1 "
            + "after '--- expect', got 'kernel': the main transcript is the newer kernels'"});
        cases.add(new String[] {"window 1\n--- expect\n--- expect kernel=6.17\n", ":3: syntax error: expected "
            + "kernel=6.1 after '--- expect', got 'kernel=6.17'"});
        cases.add(new String[] {"window 1\n--- expect\n--- expect zero-page=no zero-page=yes\n",
            ":3: syntax error: the condition zero-page is named twice"});
        cases.add(new String[] {"window 1\n--- expect\n--- expect kernel=6.1 zero-page=no\n"
            + "--- expect zero-page=no kernel=6.1\n", ":4: syntax error: a transcript for kernel=6.1 zero-page=no was "
            + "given already"});
        cases.add(new String[] {"window 1\n--- expect\n--- expect zero-page=no\n--- expect zero-page=no\n",
            ":4: syntax error: a transcript for zero-page=no was given already"});
        cases.add(new String[] {"window 1\n--- expect\n--- expect\n", ":3: syntax error: '--- expect' may appear once"});
        for (final String[] testCase : cases) {
            err.reset();
            final String script = file("case.ops", testCase[0]);
            assertEquals(OpsTool.BAD_INPUT, run(script), testCase[0]);
            assertTrue(err().contains(testCase[1]), testCase[0] + " -> " + err());
        }
    }
}
