package io.vmarena;

/**
 * The small-allocation size classes: 16-byte steps up to 128 bytes, then four classes per
 * doubling (160, 192, 224, 256, 320, ...) up to a quarter of a segment. Every class is a
 * multiple of 16 bytes, so every block of a class segment is 16-byte aligned.
 *
 * <pre>
 *  class:  0   1   2   3   4   5   6    7    8    9    10   11   12   13   14   15  ...
 *  bytes: 16  32  48  64  80  96  112  128  160  192  224  256  320  384  448  512  ...
 * </pre>
 *
 * Lookup is arithmetic (no table, no branch on the heap), because it sits on the allocation
 * fast path. Larger requests get a run of whole segments instead.
 */
final class SizeClasses {
    static final int MIN_BYTES = 16;
    private static final int MIN_SHIFT = 4;
    /** 16-byte steps up to here. */
    private static final int LINEAR_LIMIT = 128;
    private static final int LINEAR_CLASSES = LINEAR_LIMIT / MIN_BYTES;
    private static final int CLASSES_PER_DOUBLING = 4;

    private final int classCount;
    private final long maxBytes;

    /** @param segmentBytes the arena's segment size: classes go up to a quarter of it */
    SizeClasses(final long segmentBytes) {
        if (segmentBytes < 4 * LINEAR_LIMIT || Long.bitCount(segmentBytes) != 1) {
            throw new IllegalArgumentException("the segment size must be a power of two of at least "
                + 4 * LINEAR_LIMIT + " bytes, got " + segmentBytes);
        }
        maxBytes = segmentBytes / 4;
        classCount = classOf(maxBytes) + 1;
    }

    /** The number of classes. */
    int classCount() {
        return classCount;
    }

    /** The largest size a class serves: a quarter segment. */
    long maxBytes() {
        return maxBytes;
    }

    /**
     * The smallest class whose size is at least {@code lengthBytes}, for 1 to {@link #maxBytes()};
     * callers check the range first.
     */
    static int classOf(final long lengthBytes) {
        if (lengthBytes <= LINEAR_LIMIT) {
            return (int)((lengthBytes + MIN_BYTES - 1) >>> MIN_SHIFT) - 1;
        }
        // lengthBytes in (2^k, 2^(k+1)]: four classes of 2^(k-2) bytes each above 2^k. Shifts,
        // not divisions: this is on the fast path.
        final int k = 63 - Long.numberOfLeadingZeros(lengthBytes - 1);
        final int within = (int)((lengthBytes - 1 - (1L << k)) >>> (k - 2));
        return LINEAR_CLASSES + (k - 7) * CLASSES_PER_DOUBLING + within;
    }

    /** The size of {@code sizeClass} in bytes. */
    static long bytesOf(final int sizeClass) {
        if (sizeClass < LINEAR_CLASSES) {
            return (long)(sizeClass + 1) * MIN_BYTES;
        }
        final int group = (sizeClass - LINEAR_CLASSES) / CLASSES_PER_DOUBLING;
        final int within = (sizeClass - LINEAR_CLASSES) % CLASSES_PER_DOUBLING;
        final int k = 7 + group;
        return (1L << k) + (within + 1) * (1L << (k - 2));
    }
}
