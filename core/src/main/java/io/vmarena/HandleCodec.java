package io.vmarena;

/**
 * A handle is a non-zero {@code long} that names an allocation without its address, so that it
 * survives moves:
 *
 * <pre>
 *  63  62                tagShift        generationShift      segmentShift        0
 *  +--+-------------------+------------------+---------------------+------------------+
 *  |0 | arena tag (T)     | generation (G)   | segment index       | slot             |
 *  +--+-------------------+------------------+---------------------+------------------+
 * </pre>
 *
 * The slot is the block's index in its class segment; for a run of whole segments it is the
 * run's serial number at its head segment. The widths come from the arena's geometry: slot and
 * segment index take what the geometry needs, and of the L bits left (L = 63 - slot - segment)
 * the generation takes at least {@value #MIN_GENERATION_BITS}, the tag what remains up to
 * {@value #MAX_TAG_BITS}, then the generation up to {@value #MAX_GENERATION_BITS}; bits left
 * over after that stay 0 (a handle with any set is refused). With 2 MiB segments (131,072
 * slots of 16 bytes: 17 bits) and a 1 TiB maximum (524,288 segments: 19 bits) L is 27: G = 20,
 * T = 7. A geometry with L below {@value #MIN_GENERATION_BITS} is refused.
 *
 * <p>Generations run from 1 to 2^G - 1 and skip 0, so no handle is 0 (the null handle), and
 * {@link #advance} steps through them in a cycle of 2^G - 1. Bit 63 is always 0, so no handle is
 * negative. How generations are spent (per-block offsets from a per-segment floor, slots that
 * retire instead of wrapping) is {@link SlotMap}'s and {@link SegmentTable}'s business.
 */
final class HandleCodec {
    static final int MIN_GENERATION_BITS = 20;
    static final int MAX_GENERATION_BITS = 30;
    static final int MAX_TAG_BITS = 15;

    private final int segmentShift;
    private final int generationShift;
    private final int generationBits;
    private final int tagShift;
    private final int tagBits;
    private final long slotMask;
    private final long segmentMask;
    private final int maxGeneration;

    /**
     * The layout the class comment describes.
     *
     * @param maxSegments the most segments the arena can ever have
     * @param slotsPerSegment the most blocks one segment can hold (segment bytes / 16)
     */
    HandleCodec(final long maxSegments, final long slotsPerSegment) {
        this(maxSegments, slotsPerSegment, defaultGenerationBits(freeBits(maxSegments, slotsPerSegment)));
    }

    /** For tests that drive a slot or a segment through its whole generation cycle: {@code generationBits} of 2 to 30. */
    HandleCodec(final long maxSegments, final long slotsPerSegment, final int generationBits) {
        final int slotBits = bitsFor(slotsPerSegment);
        final int segmentBits = bitsFor(maxSegments);
        final int free = freeBits(maxSegments, slotsPerSegment);
        if (generationBits < 2 || generationBits > MAX_GENERATION_BITS || generationBits > free) {
            throw new IllegalArgumentException("an arena of " + maxSegments + " segments of " + slotsPerSegment
                + " slots leaves " + free + " bits of a handle for its generation and tag, and "
                + MIN_GENERATION_BITS + " are needed for the generation: use larger segments or a smaller maximum size");
        }
        this.generationBits = generationBits;
        segmentShift = slotBits;
        generationShift = slotBits + segmentBits;
        tagShift = generationShift + generationBits;
        tagBits = Math.min(MAX_TAG_BITS, free - generationBits);
        slotMask = (1L << slotBits) - 1;
        segmentMask = (1L << segmentBits) - 1;
        maxGeneration = (1 << generationBits) - 1;
    }

    private static int freeBits(final long maxSegments, final long slotsPerSegment) {
        return 63 - bitsFor(slotsPerSegment) - bitsFor(maxSegments);
    }

    private static int defaultGenerationBits(final int freeBits) {
        if (freeBits < MIN_GENERATION_BITS) {
            return MIN_GENERATION_BITS; // refused by the constructor, with the numbers
        }
        final int tagBits = Math.min(MAX_TAG_BITS, freeBits - MIN_GENERATION_BITS);
        return Math.min(MAX_GENERATION_BITS, freeBits - tagBits);
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
        return (int)(handle >>> generationShift) & maxGeneration;
    }

    int tag(final long handle) {
        return (int)(handle >>> tagShift);
    }

    /** Whether {@code handle} has bits where this geometry has none (bit 63, or above the tag). */
    boolean hasStrayBits(final long handle) {
        return (handle >>> tagShift) >>> tagBits != 0;
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

    int generationBits() {
        return generationBits;
    }

    /** The highest generation, 2^G - 1: also the length of the cycle {@link #advance} goes round. */
    int maxGeneration() {
        return maxGeneration;
    }

    int tagBits() {
        return tagBits;
    }

    /**
     * The generation {@code steps} (0 to 2^G - 1) after {@code generation} in the cycle
     * 1, 2, ..., 2^G - 1, 1, ...: never 0.
     */
    int advance(final int generation, final int steps) {
        final int next = generation + steps;
        return next > maxGeneration ? next - maxGeneration : next;
    }
}
