package io.vmarena;

/**
 * What a {@link PinningPolicy} needs of an arena: its counters, its held and locked bytes, and
 * pin and unpin. {@link ArenaPinnable} is the real one; tests give fakes to test the ranking and
 * the budget alone. Every method may throw {@link IllegalStateException} once the arena is closed.
 */
interface Pinnable {
    String name();

    /** False once closed (or, for an arena held weakly, collected). */
    boolean isOpen();

    /** Reads the counters and the bytes at once: one lock, no smaps. */
    Figures figures();

    /**
     * Locks at most {@code limitBytes} of what the arena holds, unlocking what is beyond (see
     * {@link Arena#pin()}); {@code by} names who pinned, in its status: "its pinning policy (...)".
     */
    PinStatus pin(long limitBytes, String by);

    /** Unlocks the arena; {@code why} is what its status says about it from now on. */
    PinStatus unpin(String why);

    /**
     * Whether the calling thread is inside one of the arena's read sections or holds its lock (a
     * relocation listener): a policy call from there could wait for a round that waits for the
     * arena's lock, which waits for that very section. Fakes never are.
     */
    default boolean callerBusy() {
        return false;
    }

    /**
     * Counters since the arena was built, and bytes now.
     *
     * @param segmentClaims segments taken (counted at the slow path, never per block)
     * @param readSections read sections entered (the gate's own counter)
     * @param heldBytes what pinning it whole would lock (segments in use and retained): what it
     *     would charge to RLIMIT_MEMLOCK, touched or not
     * @param pinnedBytes what it has locked: its share of VmLck
     */
    record Figures(long segmentClaims, long readSections, long heldBytes, long pinnedBytes) {
    }
}
