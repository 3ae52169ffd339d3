package io.vmarena.vm;

/**
 * How {@link RangeMover} moves a range. Every strategy gives the same result (the destination
 * layout is the source's shifted, holes kept, every byte in place); they differ in cost, which
 * {@code MoveBenchmark} measures.
 */
public enum MoveStrategy {
    /** The best the kernel allows: {@link #MULTI_VMA} on Linux 6.17+, else one call per VMA. */
    AUTO,
    /** One {@code mremap(MREMAP_MAYMOVE|MREMAP_FIXED)} for the whole range (Linux 6.17+). */
    MULTI_VMA,
    /** One {@code mremap} per VMA, with boundaries the caller already knows. */
    PER_VMA_KNOWN,
    /** One {@code mremap} per VMA, with boundaries read from {@code /proc/self/maps}. */
    PER_VMA_PROC_MAPS,
    /** One {@code mremap} per VMA, with boundaries read with the {@code PROCMAP_QUERY} ioctl (6.11+). */
    PER_VMA_PROCMAP_QUERY,
    /** Copy the bytes into fresh mappings and unmap the source: what an allocator without mremap does. */
    COPY;

    /** Whether this strategy needs a kernel feature that {@code capabilities} says is missing, and which. */
    public String unavailableReason(final Capabilities capabilities) {
        if (this == MULTI_VMA && !capabilities.multiVmaMove().available()) {
            return "multi-VMA move unavailable: " + capabilities.multiVmaMove().reason();
        }
        if (this == PER_VMA_PROCMAP_QUERY && !capabilities.procmapQuery().available()) {
            return "PROCMAP_QUERY unavailable: " + capabilities.procmapQuery().reason();
        }
        return null;
    }
}
