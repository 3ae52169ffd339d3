package io.vmarena;

import java.time.Duration;

/**
 * What {@link Arena#populate()} did and what it cost.
 *
 * @param method how the pages were made resident: {@code "MADV_POPULATE_WRITE"}, {@code "mlock"}
 *     (the kernel lacks MADV_POPULATE_WRITE and the arena is pinned), or {@code "none"} (neither
 *     was possible: see {@code reason})
 * @param populatedBytes the bytes asked to be made resident (the arena's in-use and retained segments)
 * @param residentBytesBefore the arena's resident bytes before
 * @param residentBytesAfter the arena's resident bytes after
 * @param elapsed how long the system calls took
 * @param reason what happened, in a sentence (why nothing was populated, when nothing was)
 */
public record PopulateResult(String method, long populatedBytes, long residentBytesBefore, long residentBytesAfter,
    Duration elapsed, String reason) {
}
