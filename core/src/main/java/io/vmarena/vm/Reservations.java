package io.vmarena.vm;

/**
 * Where to put a reservation whose holes must stay free. The kernel places new mappings top
 * down, in the highest free gap that fits, so a hole left by a move inside a recently placed
 * reservation is usually the first place the next malloc arena or thread stack goes. A
 * reservation placed just below a large free gap is safe from that: every mapping of a size that
 * fits the gap goes there instead.
 *
 * <p>To find such a place it reserves the gap and the range together, gives them back, and
 * claims the bottom with MAP_FIXED_NOREPLACE (which never replaces anything), trying again if
 * another thread got there first. An address space without room for the gap (the simulator's
 * block) gets the largest power-of-two gap that fits.
 */
public final class Reservations {
    /** 64 GiB: far more than a JVM maps at once. */
    public static final long LARGE_GAP_BYTES = 64L << 30;
    private static final long SMALLEST_GAP_BYTES = 1L << 20;
    private static final int ATTEMPTS = 8;

    private Reservations() {
    }

    /** A PROT_NONE, MAP_NORESERVE reservation of {@code lengthBytes} just below a large free gap. */
    public static long belowLargeFreeGap(final AddressSpace space, final long lengthBytes) {
        long gapBytes = LARGE_GAP_BYTES;
        int attempts = 0;
        while (attempts < ATTEMPTS && gapBytes >= SMALLEST_GAP_BYTES) {
            final long gap;
            try {
                gap = space.reserve(gapBytes + lengthBytes);
            } catch (final VmException tooSmall) {
                gapBytes /= 2;
                continue;
            }
            space.unmap(gap, gapBytes + lengthBytes);
            attempts++;
            try {
                return space.map(gap, lengthBytes, Protection.NONE, MapFlags.FIXED_NOREPLACE | MapFlags.NORESERVE);
            } catch (final VmException | IllegalArgumentException raced) {
                // Another thread mapped there in between (EEXIST), or it is a hole another lease
                // holds (refused before the kernel): try another gap.
            }
        }
        return space.reserve(lengthBytes);
    }
}
