package io.vmarena;

/**
 * A snapshot of an arena, taken by {@link Arena#stats()}. The memory figures come from the
 * address space's own account of the arena's range (/proc/self/smaps on Linux), so they agree
 * with what the system sees.
 *
 * @param reservedBytes the arena's address range, mapped or not
 * @param committedBytes segments made readable and writable (memory is only used once touched)
 * @param residentBytes pages in memory (Rss of the range)
 * @param usedBytes bytes handed out: each block counts its whole size class or run
 * @param lockedBytes pages locked in memory (Locked of the range)
 * @param retainedBytes free segments whose pages are kept for reuse, up to the arena's ceiling
 * @param vmaCount the kernel's VMAs in the range
 * @param freeSegments segments that hold no block
 * @param classSegments segments that hold small blocks of one size class
 * @param runSegments segments that belong to large blocks (runs)
 * @param fragmentation the share of the bytes in class and run segments that is not handed out,
 *     0 to 1 (0 when no segment is in use)
 * @param grows how many times the arena's range grew, in place or by moving
 * @param moves how many times the arena moved memory (to grow, or to reallocate a large block)
 */
public record ArenaStats(long reservedBytes, long committedBytes, long residentBytes, long usedBytes,
    long lockedBytes, long retainedBytes, int vmaCount, int freeSegments, int classSegments, int runSegments,
    double fragmentation, long grows, long moves) {
}
