package io.vmarena.ops;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaceProvider;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.sim.SimulatedAddressSpace;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vmarena ops}: runs scenario files and prints their transcripts (docs/DESIGN.md, "The
 * scenario language"). Every file is parsed before any runs; each runs in a fresh window (on
 * the simulator, a fresh simulated process). A file with an expected transcript, or one that
 * could not run, ends with its verdict line ({@code PASS FILE} or {@code FAIL FILE}), whether it
 * ran alone or with others; several files are each headed {@code === FILE}. Exit status: 0 when every file with an expected
 * transcript matched, 1 when one differed, 2 on bad input (a syntax error, an unknown option,
 * an unreadable file, a backend that cannot work here), which wins over a mismatch.
 */
public final class OpsTool {
    public static final int MATCHED = 0;
    public static final int DIFFERED = 1;
    public static final int BAD_INPUT = 2;
    /** 1 Mi pages (4 GiB at 4 KiB): the most a scenario's window or remap may make the simulator hold. */
    /**
     * The most host memory one scenario's simulated process may take, in bytes, whatever the page
     * size: a bound in pages (1 Mi pages, 4 GiB of 4 KiB pages) asked malloc for 32 GiB at 16 KiB
     * pages and 128 GiB at 64 KiB, which this 24 GiB machine's overcommit refused mid-run.
     */
    private static final long MAX_SIMULATED_BYTES = 4L << 30;

    private final PrintStream out;
    private final PrintStream err;

    private OpsTool(final PrintStream out, final PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static int run(final List<String> args, final PrintStream out, final PrintStream err) {
        return new OpsTool(out, err).run(args);
    }

    private int run(final List<String> args) {
        final OpsOptions options;
        try {
            options = OpsOptions.parse(args);
        } catch (final IllegalArgumentException e) {
            err.println("vmarena ops: " + e.getMessage());
            err.println("usage: vmarena ops FILE... [--backend linux|sim] [--kernel 7.3|6.17|6.1] [--page-size BYTES] "
                + "[--memlock BYTES|unlimited] [--no-ipc-lock] [--max-map-count N] [--zero-page yes|no] "
                + "[--dontunmap-settles yes|no]");
            return BAD_INPUT;
        }
        final List<Script> scripts = parseAll(options.files);
        if (scripts == null) {
            return BAD_INPUT;
        }
        final AddressSpace linux;
        try {
            linux = "sim".equals(options.backend) ? null : linuxOrNull(options.backend);
        } catch (final IllegalStateException e) {
            err.println("vmarena ops: " + e.getMessage());
            return BAD_INPUT;
        }
        boolean allMatched = true;
        for (final Script script : scripts) {
            allMatched &= runOne(script, scripts.size() > 1, linux, options);
        }
        return allMatched ? MATCHED : DIFFERED;
    }

    /**
     * The Linux address space, or null when the simulator should run alone (not forced, and no
     * working Linux backend on the class path). The simulator is every script's reference, so
     * running it alone is no fallback that hides anything: the transcript says which ran.
     */
    private static AddressSpace linuxOrNull(final String backend) {
        if ("linux".equals(backend)) {
            return AddressSpaces.open("linux");
        }
        for (final AddressSpaceProvider provider : AddressSpaces.providers()) {
            if ("linux".equals(provider.name()) && provider.unavailableReason() == null) {
                return AddressSpaces.open("linux");
            }
        }
        return null;
    }

    /** Every file parsed, or null after printing every syntax error. */
    private List<Script> parseAll(final List<String> files) {
        final List<Script> scripts = new ArrayList<>();
        boolean bad = false;
        for (final String file : files) {
            try (FileInputStream in = new FileInputStream(file)) {
                scripts.add(ScriptParser.parse(file, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (final IOException e) {
                err.println("vmarena ops: cannot read " + file + ": " + e.getMessage());
                bad = true;
            } catch (final ScriptSyntaxException e) {
                err.println(e.getMessage());
                bad = true;
            }
        }
        return bad ? null : scripts;
    }

    private boolean runOne(final Script script, final boolean several, final AddressSpace linux,
        final OpsOptions options) {
        if (several) {
            out.println("=== " + script.name());
        }
        final List<String> transcript;
        try {
            transcript = linux != null ? new ScenarioRunner(linux).run(script) : runSimulated(script, options);
        } catch (final RuntimeException | OutOfMemoryError e) {
            err.println(script.name() + ": could not run: " + e.getMessage());
            out.println("FAIL " + script.name());
            return false;
        }
        transcript.forEach(out::println);
        if (!script.hasExpectation()) {
            return true;
        }
        // The transcript for this kernel: the probe's capabilities on Linux, the profile's on the simulator.
        final Capabilities kernel = linux != null ? linux.capabilities()
            : SimulatedAddressSpace.capabilitiesOf(options.profile);
        final Expectation alternative = script.expectationFor(kernel);
        final List<String> expected = script.expectedFor(kernel);
        final List<String> actual = Transcripts.withoutTrailingBlankLines(transcript);
        final boolean matched = expected.equals(actual);
        if (!matched) {
            final String section = alternative == null ? "expected" : "expected, " + alternative.label();
            UnifiedDiff.diff(script.name() + " (" + section + ")", expected, script.name() + " (actual)", actual)
                .forEach(out::println);
        }
        // One file gets its verdict too: a script reads the same last line however it was called.
        out.println((matched ? "PASS " : "FAIL ") + script.name());
        return matched;
    }

    private static List<String> runSimulated(final Script script, final OpsOptions options) {
        final long pageSize = options.profile.pageSize();
        final long maxPages = MAX_SIMULATED_BYTES / pageSize;
        if (script.windowPages() > maxPages) {
            throw new IllegalArgumentException("a window of " + script.windowPages() + " pages is more than the "
                + "simulator models (" + maxPages + " pages of " + pageSize + " bytes, 4 GiB)");
        }
        // Room for the window, a gap above it, and the largest remap the script asks for (a
        // larger one is refused by the kernel's own checks or placed as on Linux up to this).
        final long pages = Math.min(script.largestPageCount(), maxPages);
        final long blockBytes = Math.max(64L << 20, (4 * (script.windowPages() + 2) + 2 * pages) * pageSize);
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(options.profile, blockBytes)) {
            return new ScenarioRunner(space).run(script);
        }
    }
}
