package io.vmarena;

/** Which threads may use an arena. */
public enum Threading {
    /**
     * Only the thread that built the arena; any other gets an {@link IllegalStateException}. No
     * lock anywhere: the fast path is a few array reads and writes.
     */
    CONFINED,
    /**
     * Any thread. Allocation, free and the other changes take the arena's lock; readers that use
     * addresses enter a read section ({@link Arena#read()}), which memory never moves under.
     */
    SHARED
}
