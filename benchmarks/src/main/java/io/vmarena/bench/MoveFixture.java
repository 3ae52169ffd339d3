package io.vmarena.bench;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.MoveResult;
import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RangeMover;
import io.vmarena.vm.Reservations;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A region of {@code vmaCount} VMAs and {@code regionBytes} bytes that moves back and forth
 * between two reservations A and B, for {@link MoveBenchmark} and {@code vmarena bench}.
 *
 * <pre>
 *  A: [v0][v1][v2]...[vN]          B: [.......reserved........]     move: A -> B, then B -> A
 *     prot:  rw- r-- rw- ...   mlock: unlocked / locked on fault, alternating
 *     gaps:  [v0]_[v1]_[v2]_ ...  (one free page after each VMA)
 * </pre>
 *
 * Alignment decides what the kernel can move whole: A is PUD-aligned; B is PUD-aligned
 * ({@link Alignment#PUD}), PMD- but not PUD-congruent ({@link Alignment#PMD}), or one page off
 * ({@link Alignment#NONE}). After each move the vacated side is reserved again
 * ({@link #rearm()}, outside any measurement) so the next move lands in reserved memory, as an
 * arena's moves do; with {@code gaps} the reservation gets the same gaps, so every move carries
 * V VMAs with V holes.
 */
public final class MoveFixture implements AutoCloseable {
    /** How the region is cut into VMAs. */
    public enum Layout {
        PROT, MLOCK, GAPS;

        public static Layout of(final String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /** How the destination relates to the source modulo the page-table spans. */
    public enum Alignment { PUD, PMD, NONE }

    private final AddressSpace space;
    private final RangeMover mover;
    private final MoveStrategy strategy;
    private final long regionBytes;
    private final long[] reservations = new long[2];
    private final long reservationBytes;
    private final long[] bases = new long[2];
    private final List<List<Mapping>> layouts = new ArrayList<>();
    private final Layout layout;
    private final int vmaCount;
    private int current;

    public MoveFixture(final AddressSpace space, final MoveStrategy strategy, final int vmaCount,
        final long regionBytes, final Alignment alignment, final boolean populated, final Layout layout) {
        final String invalid = invalidReason(space, strategy, vmaCount, regionBytes, layout);
        if (invalid != null) {
            throw new IllegalArgumentException("skipped: " + invalid);
        }
        this.space = space;
        this.mover = new RangeMover(space);
        this.strategy = strategy;
        this.regionBytes = regionBytes;
        this.layout = layout;
        this.vmaCount = vmaCount;
        final long pud = space.capabilities().pudBytes();
        final long pmd = space.capabilities().pmdBytes();
        // PUD congruence only matters for regions that can hold a whole PUD entry, or when asked for.
        final long unit = alignment == Alignment.PUD || regionBytes >= pud ? pud : pmd;
        reservationBytes = regionBytes + unit + pmd;
        final long offset = alignment == Alignment.PUD ? 0 : alignment == Alignment.PMD ? pmd : space.pageSize();
        for (int side = 0; side < 2; side++) {
            // Below a large free gap: the JVM's own mappings must not land in the hole a move leaves.
            reservations[side] = Reservations.belowLargeFreeGap(space, reservationBytes);
            bases[side] = ((reservations[side] + unit - 1) & -unit) + (side == 1 ? offset : 0);
        }
        build(bases[0], vmaCount, populated);
        punchGaps(bases[1]);
        final List<Mapping> source = space.mappings(bases[0], bases[0] + regionBytes, MappingSource.SMAPS);
        layouts.add(source);
        final List<Mapping> shifted = new ArrayList<>();
        for (final Mapping vma : source) {
            shifted.add(vma.shiftedBy(bases[1] - bases[0]));
        }
        layouts.add(shifted);
    }

    /**
     * Null when this combination can run here, else why not: too many VMAs for the region, a
     * strategy or lock budget the machine lacks.
     */
    public static String invalidReason(final AddressSpace space, final MoveStrategy strategy, final int vmaCount,
        final long regionBytes, final Layout layout) {
        final long pageSize = space.pageSize();
        final long minimumSlot = (layout == Layout.GAPS ? 2 : 1) * pageSize;
        if (vmaCount < 1 || regionBytes % vmaCount != 0 || regionBytes / vmaCount < minimumSlot
            || (regionBytes / vmaCount) % pageSize != 0) {
            return vmaCount + " VMAs do not fit " + regionBytes + " bytes in whole pages of " + pageSize
                + (layout == Layout.GAPS ? " (gaps need two pages a VMA)" : "");
        }
        final String missing = strategy.unavailableReason(space.capabilities());
        if (missing != null) {
            return strategy + ": " + missing;
        }
        final long lockedBytes = regionBytes / vmaCount * (vmaCount / 2);
        if (layout == Layout.MLOCK && space.capabilities().lockableBytes() < lockedBytes) {
            return "mlock layout locks " + lockedBytes + " bytes; RLIMIT_MEMLOCK allows "
                + space.capabilities().memlockSoftBytes() + " without CAP_IPC_LOCK";
        }
        return null;
    }

    private void build(final long base, final int vmaCount, final boolean populated) {
        final long slot = regionBytes / vmaCount;
        space.map(base, regionBytes, Protection.READ_WRITE, MapFlags.FIXED);
        if (populated) {
            final long pageSize = space.pageSize();
            final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
            for (long offset = 0; offset < regionBytes; offset += pageSize) {
                buffer.wrap(base + offset, 1);
                buffer.putByte(0, (byte)1);
            }
            if (space instanceof FaultObserver) {
                ((FaultObserver)space).written(base, regionBytes);
            }
        }
        for (int i = 0; i < vmaCount; i++) {
            final long start = base + i * slot;
            if (layout == Layout.GAPS) {
                space.unmap(start + slot - space.pageSize(), space.pageSize());
            } else if (i % 2 == 1 && layout == Layout.PROT) {
                space.protect(start, slot, Protection.READ);
            } else if (i % 2 == 1 && layout == Layout.MLOCK) {
                space.lock(start, slot, LockMode.ON_FAULT);
            }
        }
    }

    /** Moves the region to the other side. Every address into the old side is stale afterwards. */
    public MoveResult move() {
        final int target = 1 - current;
        // The layout is passed to every strategy: PER_VMA_KNOWN and COPY use it, the others only
        // count the VMAs they moved with it; discovery strategies still discover.
        final MoveResult result = mover.move(bases[current], regionBytes, bases[target], strategy,
            layouts.get(current));
        current = target;
        return result;
    }

    /**
     * Reserves the side the region just left again, so the next move lands in reserved memory;
     * with {@code gaps} it punches the gaps into that reservation too, or the next move would
     * carry the reservation's pieces under the holes along (kernel-semantics MV3) and the region
     * would no longer have holes.
     */
    public void rearm() {
        final long vacated = bases[1 - current];
        space.map(vacated, regionBytes, Protection.NONE, MapFlags.FIXED | MapFlags.NORESERVE);
        punchGaps(vacated);
    }

    /** With {@code gaps}: the free page after each VMA slot, at {@code base}. */
    private void punchGaps(final long base) {
        if (layout == Layout.GAPS) {
            final long slot = regionBytes / vmaCount;
            for (int i = 0; i < vmaCount; i++) {
                space.unmap(base + i * slot + slot - space.pageSize(), space.pageSize());
            }
        }
    }

    /** The VMAs of the region where it is now. */
    public int vmaCount() {
        return layouts.get(current).size();
    }

    @Override
    public void close() {
        // munmap gives the locked pages back too (kernel-semantics U5); munlock would trip on holes.
        for (int side = 0; side < 2; side++) {
            space.unmap(reservations[side], reservationBytes);
        }
    }
}
