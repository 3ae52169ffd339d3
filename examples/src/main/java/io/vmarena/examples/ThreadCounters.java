package io.vmarena.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the kernel counts for one thread that says where its time went: minor page faults
 * ({@code minflt} of {@code /proc/self/task/TID/stat}); involuntary context switches
 * ({@code nonvoluntary_ctxt_switches} of its {@code status}), each time the scheduler took the
 * thread off its CPU for another runnable thread, a wait of up to a scheduler slice; and voluntary
 * ones ({@code voluntary_ctxt_switches}), each time the thread blocked: a thread that spins between
 * requests blocks only to wait for a lock (the arena's, held by a thread that may itself be off its
 * CPU), a read section's gate (a move under way), a JVM safepoint or I/O. -1 where the files cannot
 * be read (not Linux).
 */
record ThreadCounters(long minorFaults, long preemptions, long waits) {
    static final ThreadCounters UNKNOWN = new ThreadCounters(-1, -1, -1);

    /** {@code /proc/self/task/TID} of the calling thread, which other threads may read while it lives; null off Linux. */
    static Path currentTaskDirectory() {
        try {
            return Path.of("/proc").resolve(Files.readSymbolicLink(Path.of("/proc/thread-self")));
        } catch (final IOException | RuntimeException e) {
            return null;
        }
    }

    /** The counters of the thread whose task directory this is (UNKNOWN for null, or once the thread has ended). */
    static ThreadCounters of(final Path taskDirectory) {
        if (taskDirectory == null) {
            return UNKNOWN;
        }
        final Path status = taskDirectory.resolve("status");
        return new ThreadCounters(faults(taskDirectory.resolve("stat"))[0],
            statusField(status, "nonvoluntary_ctxt_switches"), statusField(status, "voluntary_ctxt_switches"));
    }

    /** This minus an earlier reading; -1 where either is unknown. */
    ThreadCounters since(final ThreadCounters earlier) {
        final ThreadCounters before = earlier == null ? UNKNOWN : earlier;
        return new ThreadCounters(difference(minorFaults, before.minorFaults),
            difference(preemptions, before.preemptions), difference(waits, before.waits));
    }

    private static long difference(final long later, final long earlier) {
        return later < 0 || earlier < 0 ? -1 : later - earlier;
    }

    /**
     * Minor and major page faults ({@code minflt}, {@code majflt}) from a {@code /proc/.../stat}
     * file: the 10th and 12th fields, counted after the command name in parentheses (which may hold
     * spaces and parentheses). {-1, -1} where there is no such file.
     */
    static long[] faults(final Path stat) {
        try {
            final String text = Files.readString(stat);
            final String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(fields[7]), Long.parseLong(fields[9])};
        } catch (final IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    private static long statusField(final Path status, final String name) {
        try {
            for (final String line : Files.readAllLines(status)) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(line.substring(name.length() + 1).trim());
                }
            }
        } catch (final IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
