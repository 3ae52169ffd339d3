package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Residency;

import java.time.Duration;
import java.util.Arrays;

/**
 * Builds an arena's {@link ArenaStats}: the accounting from the arena's own tables, the memory
 * from the address space asked about the arena's range alone, never from all of smaps:
 * <pre>
 *  residentBytes, hugePageBytes  AddressSpace.residency(range, lockedRuns)  (Linux: one PAGEMAP_SCAN walk)
 *  lockedBytes                   the same call's bytes within the runs of LOCKED places
 *  vmaCount                      AddressSpace.mappings(range, AUTO)  (Linux: one PROCMAP_QUERY per VMA)
 * </pre>
 * smaps' {@code Locked} of a VMA is its {@code Rss} when the VMA is VM_LOCKED, and the arena's
 * VM_LOCKED VMAs are its LOCKED places (its pinning is the only thing that locks them), so
 * the resident bytes of those places are smaps' figure without reading smaps. A process that
 * called {@code mlockall(MCL_FUTURE)} locks every VMA behind the arena's back: smaps then
 * counts more as locked than this does (the arena cannot see it without reading smaps).
 *
 * <p>Two ways to read: {@link #read} for the thread the arena lets change it (its owner, or
 * the holder of a shared arena's lock), everything from one moment; {@link #readRacing} for a
 * thread that races the owner of a confined arena, which reads each table once, copied, and
 * the compaction forecast the owner made last.
 */
final class StatsReader {
    /** Reads at most by a thread racing a confined arena's owner, when the owner moves the arena meanwhile. */
    static final int RACING_READS = 4;

    private final ArenaRange range;
    private final Places places;
    private final Segments segments;
    private final BlockHeap heap;
    private final Compactor compactor;

    StatsReader(final ArenaRange range, final Places places, final Segments segments, final BlockHeap heap,
        final Compactor compactor) {
        this.range = range;
        this.places = places;
        this.segments = segments;
        this.heap = heap;
        this.compactor = compactor;
    }

    /** The arena now, read by the thread that may change it: nothing changes meanwhile. */
    ArenaStats read() {
        return read(places, compactor.forecast());
    }

    /**
     * The arena as a thread racing its owner sees it: never fails or waits however the owner
     * changes it meanwhile; each figure is computed from values the arena held during the call.
     * When the owner moved the arena to a new range during the read (a growth that moves), the
     * figures mixed the two places (no VMA at the old base, more segments than the reservation
     * holds), so it reads again, up to {@link #RACING_READS} times in all: it returns mixed
     * figures only when the owner is moving the arena through every read.
     */
    ArenaStats readRacing() {
        ArenaStats stats;
        long relocations;
        int reads = 0;
        do {
            relocations = range.relocations();
            stats = read(places.copyForReader(), compactor.lastForecast());
            reads++;
        } while (((relocations & 1) != 0 || range.relocations() != relocations) && reads < RACING_READS);
        return stats;
    }

    private ArenaStats read(final Places view, final long[] forecast) {
        final long base = range.base();
        final long reservedBytes = range.reservedBytes();
        final AddressSpace space = range.space();
        final Residency residency = space.residency(base, base + reservedBytes, lockedRanges(view, base));
        final long lockedBytes = residency.withinBytes();
        final int vmaCount = space.mappings(base, base + reservedBytes, MappingSource.AUTO).size();
        final int classSegments = segments.classSegments();
        final int runSegments = segments.runSegments();
        final long inUseBytes = (long)(classSegments + runSegments) * segments.segmentBytes();
        final long usedBytes = heap.usedBytes();
        final double fragmentation = inUseBytes == 0 ? 0 : Math.max(0, 1 - (double)usedBytes / inUseBytes);
        return new ArenaStats(base, reservedBytes, segments.committedBytes(view), residency.residentBytes(), usedBytes,
            lockedBytes, segments.retainedBytes(), vmaCount, view.freeCount(), classSegments, runSegments,
            fragmentation, range.grows(), range.moves(), compactor.slices(), forecast[0], forecast[1],
            Duration.ofNanos(forecast[2]), residency.hugePageBytes(), range.hugePages(),
            segments.pinning().status(view));
    }

    /** The runs of LOCKED places, as {start, end} address pairs: where smaps counts Locked. */
    private long[] lockedRanges(final Places view, final long base) {
        if (view.lockedCount() == 0) {
            return new long[0];
        }
        final long segmentBytes = segments.segmentBytes();
        long[] ranges = new long[8];
        int length = 0;
        int place = 0;
        while (place < view.count()) {
            if (!view.has(place, Places.LOCKED)) {
                place++;
                continue;
            }
            int end = place + 1;
            while (end < view.count() && view.has(end, Places.LOCKED)) {
                end++;
            }
            if (length == ranges.length) {
                ranges = Arrays.copyOf(ranges, 2 * length);
            }
            ranges[length++] = base + place * segmentBytes;
            ranges[length++] = base + end * segmentBytes;
            place = end;
        }
        return Arrays.copyOf(ranges, length);
    }
}
