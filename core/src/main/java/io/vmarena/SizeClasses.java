package io.vmarena;

/**
 * The small-allocation size classes: 16-byte steps up to 256 bytes, then eight classes per
 * doubling (288, 320, 352, ..., 512, 576, ...) up to a quarter of a segment. Every class is a
 * multiple of 16 bytes, so every block of a class segment is 16-byte aligned.
 *
 * <p>Eight per doubling, as mimalloc has: a block wastes at most an eighth of its size to
 * rounding, about 4% on average for sizes spread evenly on a log scale (four per doubling wasted
 * 8.5% in cache-churn, most of what the arena held above its live bytes). The classes in use each
 * keep one partly filled segment, but its untouched pages are never resident, so twice the
 * classes cost address space, not memory.
 *
 * <pre>
 *  class:  0   1  ...  14   15   16   17   18  ...  23   24   25  ...
 *  bytes: 16  32  ... 240  256  288  320  352  ...  512  576  640  ...
 * </pre>
 *
 * Lookup is arithmetic (no table, no branch on the heap), because it sits on the allocation
 * fast path. Larger requests get a run of whole segments instead.
 */
final class SizeClasses {
    static final int MIN_BYTES = 16;
    /** The smallest segment cut into classes: four blocks of 128 bytes. */
    static final long MIN_SEGMENT_BYTES = 512;
    private static final int MIN_SHIFT = 4;
    /** 16-byte steps up to here: eight per doubling would step by less below it. */
    private static final int LINEAR_LIMIT = 256;
    private static final int LINEAR_SHIFT = 8;
    private static final int LINEAR_CLASSES = LINEAR_LIMIT / MIN_BYTES;
    private static final int CLASSES_PER_DOUBLING = 8;
    private static final int PER_DOUBLING_SHIFT = 3;

    private final int classCount;
    private final long maxBytes;

    /** @param segmentBytes the arena's segment size: classes go up to a quarter of it */
    SizeClasses(final long segmentBytes) {
        if (segmentBytes < MIN_SEGMENT_BYTES || Long.bitCount(segmentBytes) != 1) {
            throw new IllegalArgumentException("the segment size must be a power of two of at least "
                + MIN_SEGMENT_BYTES + " bytes, got " + segmentBytes);
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
        // lengthBytes in (2^k, 2^(k+1)]: eight classes of 2^(k-3) bytes each above 2^k. Shifts,
        // not divisions: this is on the fast path.
        final int k = 63 - Long.numberOfLeadingZeros(lengthBytes - 1);
        final int within = (int)((lengthBytes - 1 - (1L << k)) >>> (k - PER_DOUBLING_SHIFT));
        return LINEAR_CLASSES + ((k - LINEAR_SHIFT) << PER_DOUBLING_SHIFT) + within;
    }

    /** The size of {@code sizeClass} in bytes. */
    static long bytesOf(final int sizeClass) {
        if (sizeClass < LINEAR_CLASSES) {
            return (long)(sizeClass + 1) * MIN_BYTES;
        }
        final int group = (sizeClass - LINEAR_CLASSES) / CLASSES_PER_DOUBLING;
        final int within = (sizeClass - LINEAR_CLASSES) % CLASSES_PER_DOUBLING;
        final int k = LINEAR_SHIFT + group;
        return (1L << k) + (within + 1) * (1L << (k - PER_DOUBLING_SHIFT));
    }
}
