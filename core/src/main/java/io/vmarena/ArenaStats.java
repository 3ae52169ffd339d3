package io.vmarena;

/**
 * An arena's figures, taken by {@link Arena#stats()}. The memory figures are the ones
 * /proc/self/smaps gives for the arena's range, read without reading smaps: on Linux one
 * {@code PAGEMAP_SCAN} walk of the range's page tables (6.7+; before, mincore and, where THP
 * may be in effect, smaps: see {@link io.vmarena.vm.AddressSpace#residency}) and
 * {@code PROCMAP_QUERY} for the VMAs (6.11+; before, /proc/self/maps). Tests reconcile them
 * with smaps after every layout. What they cost: about a microsecond per VMA, and 10 to 25 ns
 * per page-table entry the walk finds present: one per 4 KiB page (3 to 7 ms for a resident
 * gibibyte, where reading smaps cost 17 to 27 ms), one per huge page (35 µs for a gibibyte of
 * them, 125 µs with 100 VMAs); see StatsBenchmark.
 * A shared arena's stats, and a confined arena's from a thread other than its owner, are
 * figures each the arena's during the call rather than one snapshot (a shared arena walks its
 * page tables after it has let go of its lock): see {@link Arena#stats()}.
 *
 * @param baseAddress where the arena's range starts now; it changes when the arena moves (for
 *     tools that print the range's VMAs: handles, not addresses, are how blocks are reached)
 * @param reservedBytes the arena's address range, mapped or not
 * @param committedBytes segments made readable and writable (memory is only used once touched)
 * @param residentBytes pages in memory (Rss of the range: a page a read mapped to the shared zero
 *     page is not counted)
 * @param usedBytes bytes handed out: each block counts its whole size class or run
 * @param lockedBytes pages locked in memory (Locked of the range): the resident bytes of the
 *     segments the arena's pinning locked; a process that called {@code mlockall} locks the
 *     rest behind the arena's back, which smaps would count and this does not
 * @param retainedBytes free segments whose pages are kept for reuse, up to the arena's ceiling
 * @param vmaCount the kernel's VMAs that intersect the range
 * @param freeSegments segments that hold no block
 * @param classSegments segments that hold small blocks of one size class
 * @param runSegments segments that belong to large blocks (runs)
 * @param fragmentation the share of the bytes in class and run segments that is not handed out,
 *     0 to 1 (0 when no segment is in use)
 * @param grows how many times the arena's range grew, in place or by moving
 * @param moves how many times the arena moved memory (to grow, to reallocate a large block, or
 *     to compact)
 * @param compactions how many compaction slices have run
 * @param reclaimableBytes the forecast: committed bytes a full {@link Arena#compact()} would give
 *     back now (free segments, and the sparse small-block segments evacuation would empty)
 * @param reclaimableReservedBytes the forecast: address range a full compaction would give back
 * @param compactionEstimate the forecast: what a full compaction would cost, from the segments
 *     it would move and copy and this arena's own measured cost per VMA moved and byte copied
 * @param hugePageBytes bytes of the range mapped by transparent huge pages (AnonHugePages of the
 *     range in smaps); always 0 on the simulator, which does not model THP
 * @param hugePages the arena's huge-page policy as applied: the one it was built with, or
 *     {@link HugePages#SYSTEM_DEFAULT} when the kernel refused the advice (no THP support)
 * @param pin the arena's pinning: its state, {@link PinStatus#pinnedBytes() pinnedBytes} (the
 *     arena's share of the process's VmLck, counted per segment, once: with MLOCK_ONFAULT a
 *     locked page counts before it is touched, where {@code lockedBytes} counts only the locked
 *     pages in memory) and, when not wholly pinned, why and what to do
 */
public record ArenaStats(long baseAddress, long reservedBytes, long committedBytes, long residentBytes, long usedBytes,
    long lockedBytes, long retainedBytes, int vmaCount, int freeSegments, int classSegments, int runSegments,
    double fragmentation, long grows, long moves, long compactions, long reclaimableBytes,
    long reclaimableReservedBytes, java.time.Duration compactionEstimate, long hugePageBytes, HugePages hugePages,
    PinStatus pin) {
}
