package io.vmarena;

/**
 * A handle is a non-zero {@code long} that names an allocation without its address, so that it
 * survives moves:
 *
 * <pre>
 *  63  62                tagShift        generationShift      segmentShift        0
 *  +--+-------------------+------------------+---------------------+------------------+
 *  |0 | arena tag         | generation (16)  | segment index       | slot             |
 *  +--+-------------------+------------------+---------------------+------------------+
 * </pre>
 *
 * The slot is the block's index in its class segment (0 for a run of whole segments). The
 * generation (1 to 65,535, never 0, so no handle is 0, the null handle) is bumped when the block
 * is freed: a freed or stale handle no longer matches the block's generation and is refused in
 * checked mode. The arena tag takes the bits left over (up to 15) and differs between arenas
 * that are open at the same time, so a handle given to the wrong arena is refused too. Widths
 * come from the arena's geometry: with 2 MiB segments (131,072 slots of 16 bytes: 17 bits) and a
 * 1 TiB maximum (524,288 segments: 19 bits) the tag has 11 bits.
 */
final class HandleCodec {
    static final int GENERATION_BITS = 16;
    static final int GENERATION_MASK = (1 << GENERATION_BITS) - 1;
    private static final int MAX_TAG_BITS = 15;

    private final int segmentShift;
    private final int generationShift;
    private final int tagShift;
    private final long slotMask;
    private final long segmentMask;
    private final int tagMask;

    /**
     * @param maxSegments the most segments the arena can ever have
     * @param slotsPerSegment the most blocks one segment can hold (segment bytes / 16)
     */
    HandleCodec(final long maxSegments, final long slotsPerSegment) {
        final int slotBits = bitsFor(slotsPerSegment);
        final int segmentBits = bitsFor(maxSegments);
        final int used = slotBits + segmentBits + GENERATION_BITS;
        if (used > 63) {
            throw new IllegalArgumentException("an arena of " + maxSegments + " segments of " + slotsPerSegment
                + " slots needs " + used + " bits for a handle (at most 63): use larger segments or a smaller "
                + "maximum size");
        }
        segmentShift = slotBits;
        generationShift = slotBits + segmentBits;
        tagShift = used;
        slotMask = (1L << slotBits) - 1;
        segmentMask = (1L << segmentBits) - 1;
        tagMask = (1 << Math.min(MAX_TAG_BITS, 63 - used)) - 1;
    }

    private static int bitsFor(final long count) {
        if (count < 1) {
            throw new IllegalArgumentException("a count must be positive, got " + count);
        }
        return 64 - Long.numberOfLeadingZeros(Math.max(1, count - 1));
    }

    long encode(final int tag, final int segmentIndex, final int slot, final int generation) {
        return ((long)tag << tagShift) | ((long)generation << generationShift)
            | ((long)segmentIndex << segmentShift) | slot;
    }

    int segmentIndex(final long handle) {
        return (int)((handle >>> segmentShift) & segmentMask);
    }

    int slot(final long handle) {
        return (int)(handle & slotMask);
    }

    int generation(final long handle) {
        return (int)(handle >>> generationShift) & GENERATION_MASK;
    }

    int tag(final long handle) {
        return (int)(handle >>> tagShift);
    }

    /** Whether {@code handle} has bits where this geometry has none (bit 63, or above the tag). */
    boolean hasStrayBits(final long handle) {
        return (handle >>> tagShift) > tagMask;
    }

    int segmentShift() {
        return segmentShift;
    }

    long segmentMask() {
        return segmentMask;
    }

    long slotMask() {
        return slotMask;
    }

    /** Where the generation starts in a handle. */
    int generationShift() {
        return generationShift;
    }

    int tagBits() {
        return Integer.bitCount(tagMask);
    }

    /** The generation after {@code generation}: wraps within 16 bits and skips 0. */
    static int nextGeneration(final int generation) {
        final int next = (generation + 1) & GENERATION_MASK;
        return next == 0 ? 1 : next;
    }
}
