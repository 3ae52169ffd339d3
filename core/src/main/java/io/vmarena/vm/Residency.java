package io.vmarena.vm;

/**
 * A range's memory as {@code /proc/self/smaps} counts it, read by
 * {@link AddressSpace#residency(long, long, long[])}.
 *
 * @param residentBytes bytes in memory (smaps {@code Rss}): a page a read fault mapped to the
 *     shared zero page is not counted
 * @param hugePageBytes of those, the bytes mapped by transparent huge pages (smaps
 *     {@code AnonHugePages}); a huge zero page is not counted
 * @param withinBytes of the resident bytes, those inside the sub-ranges the caller named (an
 *     arena's locked segments, say), read in the same pass
 */
public record Residency(long residentBytes, long hugePageBytes, long withinBytes) {
    public static final Residency NONE = new Residency(0, 0, 0);

    /** A residency read without sub-ranges. */
    public Residency(final long residentBytes, final long hugePageBytes) {
        this(residentBytes, hugePageBytes, 0);
    }

    /** @throws IllegalArgumentException when {@code within} is not {start, end} pairs */
    public static void checkWithin(final long[] within) {
        if (within.length % 2 != 0) {
            throw new IllegalArgumentException("within must hold {start, end} pairs, got " + within.length + " values");
        }
    }
}
