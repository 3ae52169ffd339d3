package io.vmarena;

/**
 * An arena's huge-page policy ({@link Arena.Builder#hugePages}): whether the memory it commits
 * asks the kernel for transparent huge pages (one TLB entry per PMD, 2 MiB on x86-64, instead of
 * one per page), refuses them, or leaves it to the system's THP mode
 * ({@code /sys/kernel/mm/transparent_hugepage/enabled}; {@code vmarena doctor} prints it).
 *
 * <p>The advice goes on every segment the arena commits, in the same call that commits it, so
 * all of the arena's committed VMAs carry the same flag and still merge; a segment the arena
 * moves keeps it (mremap keeps VMA flags). Reserved, uncommitted parts carry no advice. A kernel
 * built without THP refuses the advice (EINVAL): the arena then works without it, logs one
 * WARNING and shows {@link #SYSTEM_DEFAULT} as its policy in {@link ArenaStats#hugePages()}.
 */
public enum HugePages {
    /**
     * {@code madvise(MADV_HUGEPAGE)} on every committed segment: huge pages where the THP mode is
     * {@code always} or {@code madvise} (with {@code never} the advice has no effect). The first
     * touch of a PMD-aligned range then faults a whole huge page, and with THP defrag
     * {@code madvise} or {@code always} may stall to compact memory for it: touch the memory
     * before traffic. {@link Arena#trim(long)} keeps huge pages in use whole.
     */
    WANTED,
    /** {@code madvise(MADV_NOHUGEPAGE)} on every committed segment: base pages even where THP is {@code always}. */
    REFUSED,
    /**
     * No advice: what the THP mode gives (huge pages with {@code always}, none with
     * {@code madvise} or {@code never}).
     */
    SYSTEM_DEFAULT
}
