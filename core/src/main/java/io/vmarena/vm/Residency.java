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

    /**
     * Checks what {@link AddressSpace#residency(long, long, long[])} takes as sub-ranges, for
     * every backend alike: {start, end} pairs, each non-empty, in address order and disjoint
     * (one may end where the next starts), all inside {@code [fromAddress, toAddress)}.
     *
     * @throws IllegalArgumentException naming the first pair that breaks a rule, and the rule
     */
    public static void checkWithin(final long fromAddress, final long toAddress, final long[] within) {
        if (within.length % 2 != 0) {
            throw new IllegalArgumentException("within must hold {start, end} pairs, got " + within.length + " values");
        }
        long previousEnd = fromAddress;
        for (int index = 0; index < within.length; index += 2) {
            final long start = within[index];
            final long end = within[index + 1];
            final String pair = "within pair " + index / 2 + " [0x" + Long.toHexString(start) + ", 0x"
                + Long.toHexString(end) + ")";
            if (start >= end) {
                throw new IllegalArgumentException(pair + " is empty or reversed: each sub-range needs start < end");
            }
            if (start < fromAddress || end > toAddress) {
                throw new IllegalArgumentException(pair + " is not inside the range [0x" + Long.toHexString(fromAddress)
                    + ", 0x" + Long.toHexString(toAddress) + "): sub-ranges must lie within it");
            }
            if (start < previousEnd) {
                throw new IllegalArgumentException(pair + " starts before the previous pair ends (0x"
                    + Long.toHexString(previousEnd) + "): sub-ranges must be in address order and disjoint");
            }
            previousEnd = end;
        }
    }
}
