package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Residency;

import java.time.Duration;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Builds an arena's {@link ArenaStats} and {@link ArenaResidency}: the accounting from the
 * arena's own tables, the memory from the address space asked about the arena's range alone,
 * never from all of smaps:
 * <pre>
 *  stats()      residentBytes, lockedBytes   the arena's own account (ResidentAccount): no system call
 *               hugePageBytes                where THP may be in effect, AddressSpace.residency(range)
 *                                            (Linux: one PAGEMAP_SCAN walk); else 0
 *               vmaCount                     AddressSpace.mappings(range, AUTO)  (Linux: one PROCMAP_QUERY per VMA)
 *  residency()  all three memory figures     AddressSpace.residency(range, lockedRuns): one walk
 * </pre>
 * smaps' {@code Locked} of a VMA is its {@code Rss} when the VMA is VM_LOCKED, and the arena's
 * VM_LOCKED VMAs are its LOCKED places (its pinning is the only thing that locks them), so
 * the resident bytes of those places are smaps' figure without reading smaps. A process that
 * called {@code mlockall(MCL_FUTURE)} locks every VMA behind the arena's back: smaps then
 * counts more as locked than this does (the arena cannot see it without reading smaps).
 *
 * <p>Two steps: {@link #capture} reads the tables (microseconds), then the {@link Accounting}
 * asks the address space ({@link Accounting#stats}: a microsecond per VMA;
 * {@link Accounting#residency}: milliseconds per resident GiB of 4 KiB pages), so that a shared
 * arena holds its lock for the first only. Three ways to read: {@link #read} for the thread the
 * arena lets change it (a confined arena's owner), everything from one moment; {@link #capture}
 * then the accounting's step for a shared arena (see {@code Arena.stats()}); {@link #readRacing}
 * for a thread that races the owner of a confined arena, which reads each table once, copied,
 * and the compaction forecast the owner made last.
 */
final class StatsReader {
    /** Reads at most by a thread racing a confined arena's owner, when the owner moves the arena meanwhile. */
    static final int RACING_READS = 4;

    private final ArenaRange range;
    private final Places places;
    private final Segments segments;
    private final BlockHeap heap;
    private final Compactor compactor;
    private final ResidentAccount account;

    StatsReader(final ArenaRange range, final Places places, final Segments segments, final BlockHeap heap,
        final Compactor compactor, final ResidentAccount account) {
        this.range = range;
        this.places = places;
        this.segments = segments;
        this.heap = heap;
        this.compactor = compactor;
        this.account = account;
    }

    /** The arena now, read by the thread that may change it: nothing changes meanwhile. */
    <T> T read(final Function<Accounting, T> finish) {
        return finish.apply(capture());
    }

    /**
     * The arena as a thread racing its owner sees it: never fails or waits however the owner
     * changes it meanwhile; each figure is computed from values the arena held during the call.
     * When the owner moved the arena to a new range during the read (a growth that moves), the
     * figures mixed the two places (no VMA at the old base, more segments than the reservation
     * holds), so it reads again, up to {@link #RACING_READS} times in all: it returns mixed
     * figures only when the owner is moving the arena through every read.
     */
    <T> T readRacing(final Function<Accounting, T> finish) {
        T figures;
        long relocations;
        int reads = 0;
        do {
            relocations = range.relocations();
            figures = finish.apply(capture(places.copyForReader(), compactor.lastForecast()));
            reads++;
        } while (((relocations & 1) != 0 || range.relocations() != relocations) && reads < RACING_READS);
        return figures;
    }

    /**
     * What the arena's tables say now, for a thread that keeps them still meanwhile (the owner,
     * the holder of a shared arena's lock, or a thread inside a section whose mover waits for
     * it): microseconds, whatever the arena's resident size. The address space is asked by the
     * {@link Accounting}, which needs no lock.
     */
    Accounting capture() {
        return capture(places, compactor.forecast());
    }

    private Accounting capture(final Places view, final long[] forecast) {
        final ArenaRange.Extent extent = range.extent(); // one read: base and size of one moment
        final long base = extent.baseAddress();
        final int classSegments = segments.classSegments();
        final int runSegments = segments.runSegments();
        final long inUseBytes = (long)(classSegments + runSegments) * segments.segmentBytes();
        final long usedBytes = heap.usedBytes();
        final double fragmentation = inUseBytes == 0 ? 0 : Math.max(0, 1 - (double)usedBytes / inUseBytes);
        final long[] resident = account.residentAndLocked(view, account.wholeSegments());
        final ArenaStats tables = new ArenaStats(base, extent.reservedBytes(), segments.committedBytes(view),
            resident[0], usedBytes, resident[1], segments.retainedBytes(), 0, view.freeCount(), classSegments,
            runSegments, fragmentation, range.grows(), range.moves(), compactor.slices(), forecast[0], forecast[1],
            Duration.ofNanos(forecast[2]), 0, range.hugePages(), segments.pinning().status(view));
        return new Accounting(range.space(), tables, lockedRanges(view, base, base + extent.reservedBytes()),
            ResidentAccount.hugePagesPossible(range));
    }

    /**
     * An arena's figures from its tables, taken at one moment, and what the address space is to
     * be asked for: {@link #stats} and {@link #residency} ask it. The range it names must stay
     * mapped where it is until they return (the caller's lock, or a read section, which every
     * move and close waits for); frees, trims and pins may change its pages meanwhile.
     */
    static final class Accounting {
        private final AddressSpace space;
        /** The figures from the tables, with zeros where stats() puts the address space's. */
        private final ArenaStats tables;
        /** The runs of LOCKED places at capture, {start, end} pairs. */
        private final long[] lockedRanges;
        /** Whether transparent huge pages may back the range: only then does stats() walk for them. */
        private final boolean hugePagesPossible;

        private Accounting(final AddressSpace space, final ArenaStats tables, final long[] lockedRanges,
            final boolean hugePagesPossible) {
            this.space = space;
            this.tables = tables;
            this.lockedRanges = lockedRanges;
            this.hugePagesPossible = hugePagesPossible;
        }

        /**
         * The stats: the captured figures with the range's VMAs read now and, where transparent
         * huge pages may be in effect, its huge-page bytes by a walk (0 exactly elsewhere).
         */
        ArenaStats stats() {
            final long base = tables.baseAddress();
            final long end = base + tables.reservedBytes();
            final long hugePageBytes = hugePagesPossible ? space.residency(base, end).hugePageBytes() : 0;
            final int vmaCount = space.mappings(base, end, MappingSource.AUTO).size();
            return new ArenaStats(base, tables.reservedBytes(), tables.committedBytes(), tables.residentBytes(),
                tables.usedBytes(), tables.lockedBytes(), tables.retainedBytes(), vmaCount, tables.freeSegments(),
                tables.classSegments(), tables.runSegments(), tables.fragmentation(), tables.grows(), tables.moves(),
                tables.compactions(), tables.reclaimableBytes(), tables.reclaimableReservedBytes(),
                tables.compactionEstimate(), hugePageBytes, tables.hugePages(), tables.pin());
        }

        /** The range's resident, locked and huge-page bytes as measured now: one walk of its page tables. */
        ArenaResidency residency() {
            final long base = tables.baseAddress();
            final Residency residency = space.residency(base, base + tables.reservedBytes(), lockedRanges);
            return new ArenaResidency(residency.residentBytes(), residency.withinBytes(), residency.hugePageBytes());
        }
    }

    /**
     * The runs of LOCKED places, as {start, end} address pairs: where smaps counts Locked. Clipped
     * to {@code end}: a racing reader's copy of the places may be from before a shrink, and
     * residency refuses sub-ranges outside the range.
     */
    private long[] lockedRanges(final Places view, final long base, final long end) {
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
            int after = place + 1;
            while (after < view.count() && view.has(after, Places.LOCKED)) {
                after++;
            }
            if (length == ranges.length) {
                ranges = Arrays.copyOf(ranges, 2 * length);
            }
            final long runStart = base + place * segmentBytes;
            final long runEnd = Math.min(end, base + after * segmentBytes);
            if (runStart < runEnd) {
                ranges[length++] = runStart;
                ranges[length++] = runEnd;
            }
            place = after;
        }
        return Arrays.copyOf(ranges, length);
    }
}
