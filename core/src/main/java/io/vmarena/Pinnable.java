package io.vmarena;

/**
 * What a {@link PinningPolicy} needs of an arena: its counters, its committed and locked bytes,
 * and pin and unpin. {@link ArenaPinnable} is the real one; tests give fakes to test the
 * ranking and the budget alone. Every method may throw {@link IllegalStateException} once the
 * arena is closed.
 */
interface Pinnable {
    String name();

    /** False once closed (or, for an arena held weakly, collected). */
    boolean isOpen();

    /** Reads the counters and the bytes at once: one lock, no smaps. */
    Figures figures();

    /**
     * Locks at most {@code limitBytes} of the arena's committed memory, unlocking what is beyond;
     * {@code reason} is what its stats say about the pin from now on.
     */
    Applied pin(long limitBytes, String reason);

    /** Unlocks the arena; {@code reason} is what its stats say from now on. */
    Applied unpin(String reason);

    /**
     * Counters since the arena was built, and bytes now.
     *
     * @param segmentClaims segments taken (counted at the slow path, never per block)
     * @param readSections read sections entered (the gate's own counter)
     * @param committedBytes what pinning it whole would charge to RLIMIT_MEMLOCK
     * @param pinnedBytes what it has locked: its share of VmLck
     */
    record Figures(long segmentClaims, long readSections, long committedBytes, long pinnedBytes) {
    }

    /**
     * What a pin or unpin did.
     *
     * @param pinnedBytes locked bytes after it
     * @param refused whether the kernel refused part or all of it (EPERM, ENOMEM, EAGAIN)
     * @param why the arena's own account when refused, else null
     */
    record Applied(long pinnedBytes, boolean refused, String why) {
    }
}
