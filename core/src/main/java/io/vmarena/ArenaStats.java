package io.vmarena;

/**
 * An arena's figures, taken by {@link Arena#stats()}: cheap enough to poll (a pass over the
 * arena's tables and a microsecond per VMA, whatever is resident, where THP cannot be in effect;
 * see StatsBenchmark {@code source=stats}). {@code residentBytes} and
 * {@code lockedBytes} are the arena's own account, with no system call: the bytes of the pages it
 * handed out or kept since they were last given back, an upper bound of what is in memory (like
 * jemalloc's {@code stats.resident}), exact when every byte handed out was written; tests
 * reconcile them with smaps. What is in memory as measured (smaps' Rss, Locked and
 * AnonHugePages of the range, by one walk of its page tables: 10 to 25 ns per resident page,
 * 2.7 ms for a resident gibibyte of 4 KiB pages) is {@link Arena#residency()}'s. {@code vmaCount}
 * is one {@code PROCMAP_QUERY} per VMA (6.11+; before, /proc/self/maps), about a microsecond
 * each. {@code hugePageBytes} is walked only where transparent huge pages may be in effect
 * (the arena built with {@link HugePages#WANTED}, or the system's THP mode {@code always}); it
 * is 0, exactly, elsewhere.
 * A shared arena's stats, and a confined arena's from a thread other than its owner, are
 * figures each the arena's during the call rather than one snapshot (a shared arena reads its
 * VMAs after it has let go of its lock): see {@link Arena#stats()}.
 *
 * @param baseAddress where the arena's range starts now; it changes when the arena moves (for
 *     tools that print the range's VMAs: handles, not addresses, are how blocks are reached)
 * @param reservedBytes the arena's address range, mapped or not
 * @param committedBytes segments made readable and writable (memory is only used once touched)
 * @param residentBytes the arena's own account of its pages in memory: every committed page of
 *     its runs, the pages of each class segment up to its highest block handed out in this use
 *     (or what its place held before) less those trim gave back, and what retained segments
 *     kept; pages populated or faulted in by a plain mlock count whole. An upper bound of Rss of
 *     the range, equal to it when every byte handed out was written (a block never written, or
 *     only read, which maps the shared zero page, is counted and not in memory). Where the
 *     kernel may fill pages the arena never handed out (transparent huge pages may be in effect,
 *     or the arena moves by copying), every committed segment counts whole. See
 *     {@link Arena#residency()} for the measured figure
  * @param usedBytes bytes handed out: each block counts its whole size class or run
 * @param lockedBytes the same account over the segments the arena's pinning locked (Locked of
 *     the range when every byte handed out was written: MLOCK_ONFAULT locks a page when it is
 *     touched); a process that called {@code mlockall} locks the rest behind the arena's back,
 *     which smaps would count and this does not
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
 *     range in smaps), by a walk of the range's page tables where THP may be in effect (the
 *     arena built with {@link HugePages#WANTED}, or the system's THP mode {@code always} and the
 *     arena not {@link HugePages#REFUSED}); exactly 0 elsewhere, and on the simulator, which does
 *     not model THP
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
