package io.vmarena;

import io.vmarena.vm.MoveStrategy;

/**
 * The arena's own account of which of its pages may be in memory: what {@link ArenaStats}
 * reports as resident and locked, read from its tables with no system call, so that stats()
 * costs microseconds however much is resident (a walk of the page tables costs 10 to 25 ns per
 * resident 4 KiB page: 2.7 ms a gibibyte). Like jemalloc's {@code stats.resident}, a maximum
 * rather than a measure: a page the arena handed out counts until it is given back, written or
 * not. Per place:
 * <pre>
 *  not committed                          0
 *  run (every segment is handed out)      the whole segment
 *  class segment                          pages [0, max(prior, last block taken)) less those trim gave back
 *                                         (SlotMap.residentPageCount)
 *  free, retained                         what its last use kept (Places.keptPages, its holes in Places.keptHoles)
 *  free, committed, given back            0 (MADV_DONTNEED)
 * </pre>
 * A class segment's <em>prior</em> pages are those its place held when the use began: up to the
 * last page a retained place kept, less the pages trim gave back in that use (its holes, carried
 * page by page into this one and counted again as a block in them is taken), 0 for a fresh
 * place. A populate or a plain mlock makes every page of the places it covers count
 * ({@link #populated}). Locked bytes are the same sum over the LOCKED
 * places (MLOCK_ONFAULT locks a page when it is touched). Exact, against smaps' Rss and Locked,
 * when every byte of every block handed out was written; more otherwise (a block never written,
 * or read only, which maps the zero page). Moves carry the figures: a class segment's map moves
 * with its memory, a run is whole wherever it is, and a place a move vacates or compaction
 * decommits is no longer committed or retained.
 *
 * <p>Two cases where the kernel may fill pages the arena never handed out, so every committed
 * segment counts whole ({@link #wholeSegments}): transparent huge pages in effect (a fault or
 * khugepaged maps a whole huge page around one touched byte), and {@link MoveStrategy#COPY},
 * which copies every page of a VMA that has one resident. Not thread-safe: a reader racing the
 * owner passes its copy of the places, and gets figures clamped to each segment's size.
 */
final class ResidentAccount implements ArenaRange.PopulateListener {
    private final Places places;
    private final SegmentTable table;
    private final ArenaRange range;
    private final long segmentBytes;
    private final long pageSize;

    ResidentAccount(final Places places, final SegmentTable table, final ArenaRange range, final long segmentBytes) {
        this.places = places;
        this.table = table;
        this.range = range;
        this.segmentBytes = segmentBytes;
        this.pageSize = range.space().pageSize();
    }

    /**
     * Places {@code [index, index + count)} were populated or locked by a plain mlock: all their
     * pages count from now on. A class segment being attached (its map not yet in the table) is
     * its attach's to count ({@link Segments#populatedByLock}); a run counts whole anyway.
     */
    @Override
    public void populated(final int index, final int count) {
        final int pageCount = (int)(segmentBytes / pageSize);
        for (int place = index; place < Math.min(index + count, places.count()); place++) {
            final int id = places.occupant(place);
            if (id >= 0) {
                final SlotMap slotMap = table.state[id] == SegmentTable.CLASS ? table.slotMaps[id] : null;
                if (slotMap != null) {
                    slotMap.populated(pageCount);
                }
            } else if (id == Places.FREE && places.has(place, Places.RETAINED)) {
                places.keep(place, pageCount, pageCount);
            }
        }
    }

    /**
     * Whether the kernel may fill pages the arena never handed out, so that every committed
     * segment counts whole: transparent huge pages may be in effect (the arena asked for them,
     * or the system's THP mode is {@code always} and the arena did not refuse them), or moves
     * copy.
     */
    boolean wholeSegments() {
        return hugePagesPossible(range) || range.strategy() == MoveStrategy.COPY;
    }

    /**
     * Whether transparent huge pages may back the arena's range: it wants them, or the
     * system's THP mode (probed from /sys/kernel/mm/transparent_hugepage/enabled) is
     * {@code always} and the arena did not refuse them.
     */
    static boolean hugePagesPossible(final ArenaRange range) {
        final HugePages policy = range.hugePages();
        return policy == HugePages.WANTED
            || policy != HugePages.REFUSED && "always".equals(range.space().capabilities().thpMode());
    }

    /**
     * {residentBytes, lockedBytes} of {@code view} (these places, or a reader's copy of them), by
     * the table above; with {@code whole}, every committed place counts its whole segment.
     */
    long[] residentAndLocked(final Places view, final boolean whole) {
        final SlotMap[] slotMaps = table.slotMaps; // each array read once: a racing owner may replace them
        final byte[] states = table.state;
        long residentBytes = 0;
        long lockedBytes = 0;
        for (int place = 0; place < view.count(); place++) {
            if (!view.has(place, Places.COMMITTED)) {
                continue;
            }
            final long bytes = whole ? segmentBytes : bytesAt(view, place, slotMaps, states);
            residentBytes += bytes;
            if (view.has(place, Places.LOCKED)) {
                lockedBytes += bytes;
            }
        }
        return new long[] {residentBytes, lockedBytes};
    }

    /** The bytes of committed place {@code place} that may be in memory, 0 to a segment's. */
    private long bytesAt(final Places view, final int place, final SlotMap[] slotMaps, final byte[] states) {
        final int id = view.occupant(place);
        if (id >= 0) {
            final SlotMap slotMap = id < states.length && id < slotMaps.length && states[id] == SegmentTable.CLASS
                ? slotMaps[id] : null;
            return slotMap == null ? segmentBytes : clamp(slotMap.residentPageCount() * pageSize);
        }
        return id == Places.FREE && view.has(place, Places.RETAINED) ? clamp(view.keptPages(place) * pageSize) : 0;
    }

    /** Within one segment: a reader racing the owner may see a map between two uses. */
    private long clamp(final long bytes) {
        return Math.max(0, Math.min(segmentBytes, bytes));
    }
}
