package io.vmarena;

import org.agrona.UnsafeApi;

/**
 * Whether Agrona's Unsafe facade ({@code org.agrona.UnsafeApi}), through which vmarena reads,
 * writes and copies memory, works in this JVM. Agrona 2 reaches
 * {@code jdk.internal.misc.Unsafe}, which java.base opens only to a JVM started with
 * {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED}. Without it the first use dies
 * with {@code NoClassDefFoundError: Could not initialize class org.agrona.UnsafeApi}, which
 * names neither the flag nor where it goes; {@link Arena.Builder#build()} asks here first, so
 * the user is told both. Probed once per process (a class that failed to initialise never
 * will), off the hot path.
 */
final class UnsafeAccessCheck {
    /** The JVM option Agrona 2 needs on the class path. */
    static final String FLAG = "--add-opens java.base/jdk.internal.misc=ALL-UNNAMED";

    /** Null when the facade works, else what the JVM said when it would not load. */
    private static final LinkageError FAILURE = probe();

    private UnsafeAccessCheck() {
    }

    /**
     * @throws IllegalStateException when Agrona cannot reach Unsafe: the message names the flag
     *     and where to put it; the cause is the JVM's own error
     */
    static void requireUnsafeAccess() {
        if (FAILURE != null) {
            throw new IllegalStateException("vmarena needs the JVM option " + FLAG + ": Agrona 2, through which "
                + "vmarena reaches memory, uses jdk.internal.misc.Unsafe, which java.base opens only when asked. Add it "
                + "to the java command line (or to JDK_JAVA_OPTIONS), to Surefire's <argLine> (and Failsafe's) for "
                + "tests, to a JMH fork's jvmArgsAppend, or, for an executable jar, to its manifest as "
                + "\"Add-Opens: java.base/jdk.internal.misc\" (on the module path, open it to org.agrona instead of "
                + "ALL-UNNAMED). The JVM said: " + FAILURE, FAILURE);
        }
    }

    private static LinkageError probe() {
        try {
            UnsafeApi.addressSize(); // initialises the facade, which is where a closed java.base fails
            return null;
        } catch (final LinkageError e) {
            return e;
        }
    }
}
