package io.vmarena.vm;

/**
 * A range's memory as {@code /proc/self/smaps} counts it, read by
 * {@link AddressSpace#residency(long, long)}.
 *
 * @param residentBytes bytes in memory (smaps {@code Rss}): a page a read fault mapped to the
 *     shared zero page is not counted
 * @param hugePageBytes of those, the bytes mapped by transparent huge pages (smaps
 *     {@code AnonHugePages}); a huge zero page is not counted
 */
public record Residency(long residentBytes, long hugePageBytes) {
    public static final Residency NONE = new Residency(0, 0);
}
