package io.vmarena;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reports arenas that became unreachable without {@link Arena#close()}, whose memory the
 * cleaner released ({@link ArenaCleanup}).
 *
 * <p>Each leaked arena is reported once, when its memory is released, through
 * {@link System.Logger} ({@code io.vmarena.Arena}). The first leak of the process is a WARNING;
 * later ones are DEBUG: a program that drops one arena usually drops many, and one warning that
 * says how to find them all serves better than a warning per arena. With
 * {@code -Dvmarena.debug.leaks=true} every arena records where it was built (a stack trace,
 * which costs a few microseconds per build, so it is off by default), and every leak is a
 * WARNING that carries that stack trace: whoever sets the property wants to see each one.
 */
final class ArenaLeaks {
    /** The system property that records where each arena is built. */
    static final String DEBUG_PROPERTY = "vmarena.debug.leaks";

    private static volatile ArenaLeaks current = new ArenaLeaks(System.getLogger(Arena.class.getName()),
        Boolean.getBoolean(DEBUG_PROPERTY));

    private final System.Logger logger;
    private final boolean recordBuildSites;
    private final AtomicBoolean warned = new AtomicBoolean();

    ArenaLeaks(final System.Logger logger, final boolean recordBuildSites) {
        this.logger = logger;
        this.recordBuildSites = recordBuildSites;
    }

    /** The reporter arenas built from now on use. */
    static ArenaLeaks current() {
        return current;
    }

    /** For tests: installs {@code reporter} for arenas built from now on; returns the one it replaces. */
    static ArenaLeaks install(final ArenaLeaks reporter) {
        final ArenaLeaks previous = current;
        current = reporter;
        return previous;
    }

    /** Where an arena is being built, when build sites are recorded; else null. */
    Throwable buildSite(final String arenaName) {
        return recordBuildSites ? new Throwable("arena '" + arenaName + "' was built here") : null;
    }

    /**
     * Reports that an arena was dropped without close() and its range released.
     *
     * @param builtAt where it was built, or null when not recorded
     * @param failure why its range could not be unmapped, or null when it was
     */
    void leaked(final String arenaName, final long baseAddress, final long reservedBytes, final Throwable builtAt,
        final RuntimeException failure) {
        final boolean first = warned.compareAndSet(false, true);
        final System.Logger.Level level = first || recordBuildSites ? System.Logger.Level.WARNING
            : System.Logger.Level.DEBUG;
        if (!logger.isLoggable(level)) {
            return;
        }
        final String what = "arena '" + arenaName + "' became unreachable without close(): "
            + (failure == null ? "the cleaner unmapped its " + reservedBytes + " reserved bytes at 0x"
                + Long.toHexString(baseAddress)
                : "the cleaner could not unmap its " + reservedBytes + " reserved bytes at 0x"
                + Long.toHexString(baseAddress) + " (" + failure.getMessage() + ")")
            + ". Close every arena (try-with-resources) so its memory is given back at once, not when the "
            + "garbage collector finds it";
        final String how = builtAt != null ? "; it was built at the stack trace below"
            : "; run with -D" + DEBUG_PROPERTY + "=true to see where each leaked arena is built (later leaks are "
            + "logged at DEBUG)";
        logger.log(level, what + how, builtAt != null ? builtAt : failure);
    }
}
