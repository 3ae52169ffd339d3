package io.vmarena;

import io.vmarena.vm.AddressSpace;

/**
 * An arena's sizes, checked and rounded once when it is built: every setting out of range is an
 * {@link IllegalArgumentException} that names the setting, the value and what would do.
 */
final class ArenaGeometry {
    /**
     * 2 MiB: the huge-page size of x86-64 and of arm64 with 4 KiB pages, and a multiple of every
     * page size Linux uses (4, 16, 64 KiB), so the default works everywhere.
     */
    static final long DEFAULT_SEGMENT_BYTES = 2L << 20;
    /** 1 TiB: reserved only as the arena grows. */
    static final long DEFAULT_MAXIMUM_BYTES = 1L << 40;
    private static final long DEFAULT_INITIAL_SEGMENTS = 32;
    private static final long DEFAULT_RETAINED_SEGMENTS = 16;
    /** Below this SizeClasses has no room for its classes. */
    private static final long MIN_SEGMENT_BYTES = SizeClasses.MIN_SEGMENT_BYTES;
    /**
     * 256 MiB: a class segment's bookkeeping lives on the Java heap, taken whole when the segment
     * is: a bit per block and, in checked mode, a generation per block, so a segment of 16-byte
     * blocks costs 1/8 of its size in heap (34 MiB at this bound, 1 GiB at 8 GiB), and its block
     * count must fit an int (2^32 blocks at 64 GiB do not). It covers the huge-page (PMD) size of
     * 4 and 16 KiB pages.
     */
    static final long MAX_SEGMENT_BYTES = 256L << 20;

    final AddressSpace space;
    final long segmentBytes;
    final long initialBytes;
    final long maximumBytes;
    final long retainedBytes;
    final HandleCodec codec;

    /** Negative {@code initialBytes} or {@code retainedBytes} mean the default. */
    ArenaGeometry(final AddressSpace space, final long segmentBytes, final long initialBytes, final long maximumBytes,
        final long retainedBytes) {
        this.space = space;
        final long pageSize = space.pageSize();
        if (segmentBytes < MIN_SEGMENT_BYTES || Long.bitCount(segmentBytes) != 1 || segmentBytes % pageSize != 0) {
            throw new IllegalArgumentException("segmentBytes must be a power of two, at least " + MIN_SEGMENT_BYTES
                + " and a multiple of the page size (" + pageSize + "), got " + segmentBytes);
        }
        if (segmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segmentBytes must be at most " + MAX_SEGMENT_BYTES + " (256 MiB), got "
                + segmentBytes + ": a segment of small blocks keeps a bit and, in checked mode, a generation per "
                + "16-byte block on the Java heap (1/8 of the segment), and its block count must fit an int");
        }
        this.segmentBytes = segmentBytes;
        if (maximumBytes <= 0) {
            throw new IllegalArgumentException("maximumBytes must be positive, got " + maximumBytes);
        }
        this.maximumBytes = roundUp(maximumBytes, "maximumBytes");
        if (initialBytes == 0 || initialBytes < -1) {
            throw new IllegalArgumentException("initialBytes must be positive, got " + initialBytes);
        }
        final long initial = initialBytes < 0
            ? Math.min(this.maximumBytes, DEFAULT_INITIAL_SEGMENTS * segmentBytes)
            : roundUp(initialBytes, "initialBytes");
        if (initial > this.maximumBytes) {
            throw new IllegalArgumentException("initialBytes (" + initialBytes + ") must not exceed maximumBytes ("
                + maximumBytes + ")");
        }
        this.initialBytes = initial;
        if (retainedBytes < -1) {
            throw new IllegalArgumentException("retainedBytes must not be negative, got " + retainedBytes
                + " (0 gives every free segment back at once)");
        }
        this.retainedBytes = retainedBytes < 0 ? DEFAULT_RETAINED_SEGMENTS * segmentBytes : retainedBytes;
        codec = new HandleCodec(this.maximumBytes / segmentBytes, segmentBytes / SizeClasses.MIN_BYTES);
    }

    private long roundUp(final long bytes, final String setting) {
        final long rounded = (bytes + segmentBytes - 1) & -segmentBytes;
        if (rounded < bytes) {
            throw new IllegalArgumentException(setting + " is too large to round up to whole segments: " + bytes);
        }
        if (rounded / segmentBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(setting + " of " + bytes + " bytes is more than " + Integer.MAX_VALUE
                + " segments of " + segmentBytes + " bytes: use larger segments");
        }
        return rounded;
    }
}
