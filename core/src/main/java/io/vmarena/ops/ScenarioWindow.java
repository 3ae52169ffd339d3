package io.vmarena.ops;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;

/**
 * The N+2 pages a script runs in: a PROT_NONE, MAP_NORESERVE reservation whose inner N pages
 * are the window and whose outer two stay reserved for the whole run, so that nothing in the
 * window merges with the process's other mappings.
 *
 * <p>The window is placed just below a large free gap: the kernel places new mappings top
 * down, in the highest gap that fits, so the JVM's own mappings land in that gap rather than in
 * the holes a script makes. To find the spot it reserves a large range, gives it back, and
 * claims its bottom with MAP_FIXED_NOREPLACE (which never replaces anything). An address space
 * too small for 64 GiB (the simulator) gets the largest power-of-two gap it has room for, so
 * that its kernel-placed mappings, too, land above the window and not in its holes.
 */
final class ScenarioWindow implements AutoCloseable {
    /** 64 GiB: far more than the JVM maps between two operations of a script. */
    private static final long GAP_BYTES = 64L << 30;
    private static final int PLACEMENT_ATTEMPTS = 8;
    /** At least this much free above the window, or the window is just reserved. */
    private static final long SMALLEST_GAP_BYTES = 1L << 20;

    private final AddressSpace space;
    private final long pageSize;
    private final long reservation;
    private final long reservationBytes;

    ScenarioWindow(final AddressSpace space, final long windowPages) {
        this.space = space;
        this.pageSize = space.pageSize();
        this.reservationBytes = (windowPages + 2) * pageSize;
        this.reservation = place();
    }

    private long place() {
        long gapBytes = GAP_BYTES;
        for (int attempt = 0; attempt < PLACEMENT_ATTEMPTS && gapBytes >= SMALLEST_GAP_BYTES; attempt++) {
            final long gap;
            try {
                gap = space.reserve(gapBytes + reservationBytes);
            } catch (final VmException tooSmall) {
                gapBytes /= 2;
                attempt--;
                continue;
            }
            space.unmap(gap, gapBytes + reservationBytes);
            try {
                return space.map(gap, reservationBytes, Protection.NONE, MapFlags.FIXED_NOREPLACE | MapFlags.NORESERVE);
            } catch (final VmException raced) {
                // Another thread mapped there in between: try another gap.
            }
        }
        return space.reserve(reservationBytes);
    }

    /** The address of window page {@code pageIndex}: W + P. */
    long address(final long pageIndex) {
        return reservation + (pageIndex + 1) * pageSize;
    }

    long pageSize() {
        return pageSize;
    }


    @Override
    public void close() {
        space.unmap(reservation, reservationBytes);
    }
}
