package io.vmarena.vm.sim;

import java.util.BitSet;

/**
 * Two bits per page of the block:
 * <ul>
 *   <li><b>resident</b>: the page has been written or populated (what smaps counts as Rss);</li>
 *   <li><b>stale</b>: its bytes are not what the process may see (never zeroed, poisoned by an
 *       unmap or move), so it must be zeroed before it becomes accessible. No page of an
 *       accessible VMA is ever stale.</li>
 * </ul>
 */
final class PageStates {
    private final BitSet resident = new BitSet();
    private final BitSet stale = new BitSet();
    private final HostMemory memory;
    private final int pageShift;

    PageStates(final HostMemory memory, final int pageShift) {
        this.memory = memory;
        this.pageShift = pageShift;
        stale.set(0, Math.toIntExact(memory.lengthBytes() >>> pageShift));
    }

    private int index(final long address) {
        return Math.toIntExact((address - memory.baseAddress()) >>> pageShift);
    }

    private long address(final int index) {
        return memory.baseAddress() + ((long)index << pageShift);
    }

    long residentPages(final long from, final long to) {
        return resident.get(index(from), index(to)).cardinality();
    }

    boolean isResident(final long address) {
        return resident.get(index(address));
    }

    void setResident(final long from, final long to) {
        resident.set(index(from), index(to));
    }

    /** The range now holds zeros the process may see: zero what is stale. */
    void makeVisible(final long from, final long to) {
        final int end = index(to);
        for (int page = stale.nextSetBit(index(from)); page >= 0 && page < end; page = stale.nextSetBit(page + 1)) {
            memory.zero(address(page), 1L << pageShift);
            stale.clear(page);
        }
    }

    /**
     * Drops the pages (MADV_DONTNEED): they read zero from now on. Every page of an accessible
     * range is zeroed, not only the resident ones: code may have written pages without telling
     * the simulator (the allocator does).
     */
    void drop(final long from, final long to, final boolean accessible) {
        resident.clear(index(from), index(to));
        if (accessible) {
            memory.zero(from, to - from);
        } else {
            stale.set(index(from), index(to));
        }
    }

    /** The range is unmapped: poison what was resident so a stale read shows, and forget it. */
    void unmap(final long from, final long to) {
        for (int page = resident.nextSetBit(index(from)); page >= 0 && page < index(to);
            page = resident.nextSetBit(page + 1)) {
            memory.poison(address(page), 1L << pageShift);
        }
        resident.clear(index(from), index(to));
        stale.set(index(from), index(to));
    }

    /**
     * Moves the pages' bytes and states to {@code to}, as a page-table move does, then treats
     * the source as unmapped. Stale pages hold nothing worth copying.
     */
    void move(final long from, final long length, final long to) {
        final int pages = Math.toIntExact(length >>> pageShift);
        final int source = index(from);
        final int target = index(to);
        for (int i = 0; i < pages; i++) {
            final boolean isStale = stale.get(source + i);
            if (!isStale) {
                memory.copy(address(source + i), address(target + i), 1L << pageShift);
            }
            stale.set(target + i, isStale);
            resident.set(target + i, resident.get(source + i));
        }
        unmap(from, from + length);
    }
}
