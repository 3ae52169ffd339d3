package io.vmarena;

import java.time.Duration;

/**
 * What {@link Arena#populate()} did and what it cost.
 *
 * @param method how the pages were made resident
 * @param populatedBytes the bytes made resident (of the arena's segments in use and retained)
 * @param residentBytesBefore the arena's resident bytes before
 * @param residentBytesAfter the arena's resident bytes after
 * @param elapsed how long the system calls took
 * @param reason what happened, in a sentence: why nothing was populated, when nothing was
 */
public record PopulateResult(Method method, long populatedBytes, long residentBytesBefore, long residentBytesAfter,
    Duration elapsed, String reason) {
    /** How {@link Arena#populate()} made pages resident. */
    public enum Method {
        /** {@code madvise(MADV_POPULATE_WRITE)} (Linux 5.14+): faults every page in, writable, writing nothing. */
        POPULATE_WRITE,
        /** Plain {@code mlock} of a pinned arena, where the kernel lacks MADV_POPULATE_WRITE. */
        MLOCK,
        /** Nothing was populated: the kernel lacks MADV_POPULATE_WRITE and the arena is not pinned. */
        NONE
    }
}
