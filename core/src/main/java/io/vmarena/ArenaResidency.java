package io.vmarena;

/**
 * An arena's memory as measured by {@link Arena#residency()}: the figures /proc/self/smaps gives
 * for the arena's range, read without reading smaps (on Linux 6.7+ one {@code PAGEMAP_SCAN} walk
 * of the range's page tables; before, mincore and, where THP may be in effect, smaps: see
 * {@link io.vmarena.vm.AddressSpace#residency}). Where {@link ArenaStats#residentBytes()} is the
 * arena's own account (an upper bound, free to poll), these are what is in memory.
 *
 * @param residentBytes pages in memory (Rss of the range: a page a read mapped to the shared zero
 *     page is not counted)
 * @param lockedBytes pages locked in memory (Locked of the range): the resident bytes of the
 *     segments the arena's pinning locked; a process that called {@code mlockall} locks the
 *     rest behind the arena's back, which smaps would count and this does not
 * @param hugePageBytes bytes of the range mapped by transparent huge pages (AnonHugePages of the
 *     range); always 0 on the simulator, which does not model THP
 */
public record ArenaResidency(long residentBytes, long lockedBytes, long hugePageBytes) {
}
