package io.vmarena;

/**
 * Hands out arena tags so that arenas open at the same time have different ones, as long as
 * there are enough: the lowest tag no open arena uses, within the arena's tag bits. Past that
 * (more open arenas than tags) tags repeat, round robin, and a handle given to the wrong arena
 * is caught only by its generation. Thread-safe; called when arenas are built and closed.
 */
final class ArenaTags {
    private static final int[] USERS = new int[1 << 15];
    private static int nextShared;

    private ArenaTags() {
    }

    /** A tag of {@code tagBits} bits (0 to 15) for a new arena. */
    static synchronized int acquire(final int tagBits) {
        final int limit = 1 << tagBits;
        int tag = 0;
        while (tag < limit && USERS[tag] > 0) {
            tag++;
        }
        if (tag == limit) {
            tag = nextShared++ & (limit - 1);
        }
        USERS[tag]++;
        return tag;
    }

    /** The arena that had {@code tag} is closed. */
    static synchronized void release(final int tag) {
        USERS[tag]--;
    }
}
