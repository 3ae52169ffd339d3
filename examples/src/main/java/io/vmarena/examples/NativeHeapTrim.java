package io.vmarena.examples;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * cache-churn's children trim glibc's heap every second ({@code -XX:TrimNativeHeapInterval},
 * JDK 17.0.9 and later; experimental before JDK 22): memory freed to malloc goes back to the
 * system, so a child's RSS shows what it holds, not what glibc kept of what it freed. Without it
 * the JIT compiler's arenas, freed after the baseline, stayed in vmarena's child: 2 to 8 MiB of
 * its RSS above baseline that no cache held, from run to run. The peers gain as much: Netty's and
 * OHC's off-heap memory comes from malloc too. Every child gets it, or none (a JDK without it).
 * A child waits two periods after its warm-up before it reports its baseline, so that the
 * warm-up's frees are trimmed first (see {@link ChurnChild}).
 */
final class NativeHeapTrim {
    static final long INTERVAL_MILLIS = 1000;
    /** The child's property: the period, when its JVM trims. */
    static final String PROPERTY = "vmarena.churn.trimMillis";
    private static final List<String> FLAGS = List.of("-XX:+UnlockExperimentalVMOptions",
        "-XX:TrimNativeHeapInterval=" + INTERVAL_MILLIS, "-D" + PROPERTY + "=" + INTERVAL_MILLIS);

    private NativeHeapTrim() {
    }

    /** The flags for the children that {@code java} runs: the trim's, if that JVM starts with them, else none. */
    static List<String> flags(final String java) {
        try {
            final Process probe = new ProcessBuilder(java, FLAGS.get(0), FLAGS.get(1), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!probe.waitFor(30, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return List.of();
            }
            return probe.exitValue() == 0 ? FLAGS : List.of();
        } catch (final IOException e) {
            return List.of();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** What the output and the JSON say of it. */
    static String describe(final boolean trimmed) {
        return trimmed ? "every JVM trims glibc's heap each " + INTERVAL_MILLIS + " ms (-XX:TrimNativeHeapInterval), "
            + "so memory freed to malloc (the JIT's, a cache's) counts as given back"
            : "this JDK cannot trim glibc's heap (-XX:TrimNativeHeapInterval, 17.0.9+): memory freed to malloc may "
            + "still count";
    }

    /** In a child: waits two periods if its JVM trims, so that what the warm-up freed is given back before the baseline. */
    static void awaitTrim() throws InterruptedException {
        final long millis = Long.getLong(PROPERTY, 0);
        if (millis > 0) {
            Thread.sleep(2 * millis + 100);
        }
    }
}
