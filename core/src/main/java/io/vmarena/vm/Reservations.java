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
            try {
                space.unmap(gap, gapBytes + lengthBytes);
            } catch (final VmException | IllegalArgumentException stuck) {
                // The probe is still ours whole: its bottom is the reservation; give the gap back.
                return keepBottom(space, gap, lengthBytes, gapBytes, stuck);
            }
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

    /**
     * A probe that could not be given back (munmap refused: ENOMEM where it merged with a
     * neighbour and splitting would pass vm.max_map_count, or a hole another lease holds in it)
     * is used as it is: its bottom is the reservation and the gap above is given back, so that
     * nothing is left mapped that no one knows of.
     *
     * @throws RuntimeException {@code stuck}, when the gap cannot be given back either; then
     *     the whole probe is given back first if it can be
     */
    private static long keepBottom(final AddressSpace space, final long probe, final long lengthBytes,
        final long gapBytes, final RuntimeException stuck) {
        try {
            space.unmap(probe + lengthBytes, gapBytes);
            return probe;
        } catch (final VmException | IllegalArgumentException again) {
            stuck.addSuppressed(again);
        }
        try {
            space.unmap(probe, lengthBytes + gapBytes);
        } catch (final VmException | IllegalArgumentException third) {
            stuck.addSuppressed(third);
        }
        throw stuck;
    }
}
