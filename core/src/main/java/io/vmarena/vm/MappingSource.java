package io.vmarena.vm;

/** Where {@link AddressSpace#mappings(long, long, MappingSource)} reads the VMAs from. */
public enum MappingSource {
    /** The cheapest source that gives bounds and protection: PROCMAP_QUERY where the kernel has it. */
    AUTO,
    /** Parse {@code /proc/self/maps}: costs about 0.25 µs per VMA of the whole process. */
    PROC_MAPS,
    /**
     * The {@code PROCMAP_QUERY} ioctl (Linux 6.11+): costs per VMA in the range only. An address
     * space without it throws {@link UnsupportedOperationException}.
     */
    PROCMAP_QUERY,
    /** Parse {@code /proc/self/smaps}: adds lock flags, {@code nr} and resident pages. The dearest. */
    SMAPS
}
