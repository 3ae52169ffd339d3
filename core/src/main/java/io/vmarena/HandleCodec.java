package io.vmarena;

/**
 * A handle is a non-zero {@code long} that names an allocation without its address, so that it
 * survives moves:
 *
 * <pre>
 *  63                                   slotBits + segmentBits        slotBits           0
 *  +-----------------------------------+-----------------------------+------------------+
 *  | generation (the rest, at most 31) | segment index (segmentBits) | slot (slotBits)  |
 *  +-----------------------------------+-----------------------------+------------------+
 * </pre>
 *
 * The slot is the block's index in its class segment (0 for a run of whole segments). The
 * generation starts at 1 and is bumped when the block is freed, so a freed, stale or forged
 * handle does not match the block's current generation and is refused in checked mode. It is
 * never 0, so no handle is 0, the null handle. Widths come from the arena's geometry: with 2 MiB
 * segments (131,072 slots of 16 bytes: 17 bits) and a 1 TiB maximum (524,288 segments: 19 bits)
 * the generation has 28 bits, so a stale handle is mistaken for a live one only after its slot
 * was reused exactly 2^28 times.
 */
final class HandleCodec {
    /** Fewer generation bits than this and a stale handle would match too soon to be worth checking. */
    static final int MIN_GENERATION_BITS = 16;
    private static final int MAX_GENERATION_BITS = 31;

    private final int slotBits;
    private final int segmentShift;
    private final int generationShift;
    private final long slotMask;
    private final long segmentMask;
    private final int generationMask;

    /**
     * @param maxSegments the most segments the arena can ever have
     * @param slotsPerSegment the most blocks one segment can hold (segment bytes / 16)
     */
    HandleCodec(final long maxSegments, final long slotsPerSegment) {
        slotBits = bitsFor(slotsPerSegment);
        final int segmentBits = bitsFor(maxSegments);
        final int generationBits = Math.min(MAX_GENERATION_BITS, 64 - slotBits - segmentBits);
        if (generationBits < MIN_GENERATION_BITS) {
            throw new IllegalArgumentException("an arena of " + maxSegments + " segments of " + slotsPerSegment
                + " slots leaves " + generationBits + " bits for a handle's generation (at least "
                + MIN_GENERATION_BITS + " are needed): use larger segments or a smaller maximum size");
        }
        segmentShift = slotBits;
        generationShift = slotBits + segmentBits;
        slotMask = (1L << slotBits) - 1;
        segmentMask = (1L << segmentBits) - 1;
        generationMask = (int)((1L << generationBits) - 1);
    }

    private static int bitsFor(final long count) {
        if (count < 1) {
            throw new IllegalArgumentException("a count must be positive, got " + count);
        }
        return 64 - Long.numberOfLeadingZeros(Math.max(1, count - 1));
    }

    long encode(final int segmentIndex, final int slot, final int generation) {
        return ((long)generation << generationShift) | ((long)segmentIndex << segmentShift) | slot;
    }

    int segmentIndex(final long handle) {
        return (int)((handle >>> segmentShift) & segmentMask);
    }

    int slot(final long handle) {
        return (int)(handle & slotMask);
    }

    int generation(final long handle) {
        return (int)(handle >>> generationShift) & generationMask;
    }

    /** The generation after {@code generation}: wraps within its bits and skips 0. */
    int nextGeneration(final int generation) {
        final int next = (generation + 1) & generationMask;
        return next == 0 ? 1 : next;
    }

    int generationBits() {
        return Integer.bitCount(generationMask);
    }
}
