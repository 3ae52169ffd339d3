package io.vmarena.ops;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Reservations;

/**
 * The N+2 pages a script runs in: a PROT_NONE, MAP_NORESERVE reservation whose inner N pages
 * are the window and whose outer two stay reserved for the whole run, so that nothing in the
 * window merges with the process's other mappings.
 *
 * <p>The window is placed just below a large free gap ({@link Reservations}), so the JVM's own
 * mappings, and the simulator's kernel-placed ones, land above it rather than in the holes a
 * script makes.
 */
final class ScenarioWindow implements AutoCloseable {

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
        return Reservations.belowLargeFreeGap(space, reservationBytes);
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
