package io.vmarena.ops;

import io.vmarena.vm.AddressSpace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs one script on two address spaces and compares the transcripts; on a divergence,
 * shrinks the script to the shortest that still diverges (dropping runs of lines, then single
 * lines) and renders it as a ready {@code .ops} file with both transcripts.
 */
public final class Differential {
    private static final int SHRINK_BUDGET = 400;

    private final Supplier<AddressSpace> reference;
    private final Supplier<AddressSpace> candidate;
    private final Runnable releaseCandidate;

    /**
     * @param reference the truth (the Linux kernel)
     * @param candidate what must agree with it (a fresh simulated process per call)
     * @param releaseCandidate frees the last candidate after each run
     */
    public Differential(final Supplier<AddressSpace> reference, final Supplier<AddressSpace> candidate,
        final Runnable releaseCandidate) {
        this.reference = reference;
        this.candidate = candidate;
        this.releaseCandidate = releaseCandidate;
    }

    /** Null when the transcripts agree; else a report with the shrunk script. */
    public String compare(final String name, final String script) {
        if (agrees(script)) {
            return null;
        }
        final String shrunk = shrink(script);
        final List<String> expected = run(reference, shrunk, false);
        final List<String> actual = run(candidate, shrunk, true);
        final StringBuilder report = new StringBuilder()
            .append(name).append(": the transcripts differ. Shrunk script, ready as an .ops file ")
            .append("(its expectation is the reference's transcript):\n\n")
            .append(shrunk.strip()).append("\n--- expect\n").append(String.join("\n", expected)).append("\n\n")
            .append("diff (reference vs candidate):\n");
        UnifiedDiff.diff("reference", expected, "candidate", actual).forEach(line -> report.append(line).append('\n'));
        return report.toString();
    }

    private boolean agrees(final String script) {
        return run(reference, script, false).equals(run(candidate, script, true));
    }

    private List<String> run(final Supplier<AddressSpace> spaces, final String script, final boolean isCandidate) {
        final Script parsed;
        try {
            parsed = ScriptParser.parse("random", script);
        } catch (final ScriptSyntaxException e) {
            throw new IllegalStateException("a generated script must parse: " + e.getMessage(), e);
        }
        try {
            return new ScenarioRunner(spaces.get()).run(parsed);
        } catch (final RuntimeException e) {
            return List.of("EXCEPTION " + e);
        } finally {
            if (isCandidate) {
                releaseCandidate.run();
            }
        }
    }

    /** Delta debugging over the operation lines; the window line stays first. */
    private String shrink(final String script) {
        final List<String> lines = new ArrayList<>(Arrays.asList(script.split("\n")));
        lines.removeIf(line -> line.startsWith("#"));
        int budget = SHRINK_BUDGET;
        for (int chunk = Math.max(1, (lines.size() - 1) / 2); chunk >= 1 && budget > 0; chunk /= 2) {
            boolean removed = true;
            while (removed && budget > 0) {
                removed = false;
                for (int start = 1; start + chunk <= lines.size() && budget > 0; start += chunk) {
                    final List<String> trial = new ArrayList<>(lines.subList(0, start));
                    trial.addAll(lines.subList(start + chunk, lines.size()));
                    budget--;
                    if (!agrees(String.join("\n", trial) + "\n")) {
                        lines.clear();
                        lines.addAll(trial);
                        removed = true;
                        break;
                    }
                }
            }
        }
        return String.join("\n", lines) + "\n";
    }
}
