package io.vmarena;

import java.time.Duration;

/**
 * What a compaction did ({@link Arena#compact()}, {@link Arena#compactSlice()}), with the
 * arena's memory before and after as the address space accounts it (smaps on Linux).
 *
 * @param movedBytes bytes that moved by page tables (mremap), not copied: the sliding of live
 *     segments down over free ones
 * @param copiedBytes bytes copied by evacuation: the live blocks of sparse small-block segments
 *     copied into fuller segments of their class
 * @param evacuatedBlocks how many small blocks evacuation copied (each has a new place; its old
 *     handle keeps working, see {@link Arena#compact()})
 * @param evacuatedSegments how many sparse segments evacuation emptied
 * @param packedBytes bytes copied by packing: the live blocks at a small-block segment's top
 *     copied into its free slots below
 * @param packedBlocks how many small blocks packing copied (likewise; a relocation listener hears
 *     of {@code evacuatedBlocks + packedBlocks} blocks)
 * @param packedSegments how many small-block segments packing left with every free slot above
 *     every live block (their free pages one stretch at the top, for {@link Arena#trim} to give back)
 * @param runs groups of consecutive segments that moved by the same distance: one move each
 *     (split only where a slice's budget or an overlap with its own destination required)
 * @param systemCalls the system calls the moves made: one per run where the kernel moves
 *     across VMAs in one call (6.17+), one per VMA otherwise
 * @param vmasMoved the VMAs those moves carried
 * @param vmasBefore the kernel's VMAs in the arena's range before
 * @param vmasAfter the kernel's VMAs in the arena's range after
 * @param reservedBytesBefore the arena's address range before
 * @param reservedBytesAfter the arena's address range after (the reservation shrinks toward the
 *     live data, keeping room to grow)
 * @param committedBytesBefore readable and writable segments before
 * @param committedBytesAfter readable and writable segments after
 * @param residentBytesBefore pages in memory before
 * @param residentBytesAfter pages in memory after
 * @param slices how many slices the compaction took (1 for {@link Arena#compactSlice()})
 * @param longestPause the longest slice: how long the arena was closed to its other users
 *     (readers of a shared arena wait at most this long)
 * @param complete whether the arena is as compact as it gets: false when a slice stopped at
 *     its budget with work left (call again)
 */
public record CompactionResult(long movedBytes, long copiedBytes, long evacuatedBlocks, int evacuatedSegments,
    long packedBytes, long packedBlocks, int packedSegments, int runs,
    long systemCalls, long vmasMoved, int vmasBefore, int vmasAfter, long reservedBytesBefore, long reservedBytesAfter,
    long committedBytesBefore, long committedBytesAfter, long residentBytesBefore, long residentBytesAfter, int slices,
    Duration longestPause, boolean complete) {

    /**
     * This compaction and a {@code later} one (the next slices, say) as one: this one's
     * "before" figures, the later one's "after" figures and completeness, the rest added up,
     * the longer of the two longest pauses. {@link Arena#compact()} adds its slices up so; a
     * caller that runs {@link Arena#compactSlice()} itself can too.
     */
    public CompactionResult plus(final CompactionResult later) {
        return new CompactionResult(movedBytes + later.movedBytes, copiedBytes + later.copiedBytes,
            evacuatedBlocks + later.evacuatedBlocks, evacuatedSegments + later.evacuatedSegments,
            packedBytes + later.packedBytes, packedBlocks + later.packedBlocks, packedSegments + later.packedSegments, runs + later.runs,
            systemCalls + later.systemCalls, vmasMoved + later.vmasMoved, vmasBefore, later.vmasAfter,
            reservedBytesBefore, later.reservedBytesAfter, committedBytesBefore, later.committedBytesAfter,
            residentBytesBefore, later.residentBytesAfter, slices + later.slices,
            longestPause.compareTo(later.longestPause) >= 0 ? longestPause : later.longestPause, later.complete);
    }
}
