package io.vmarena.vm;

/**
 * One VMA as the kernel reports it: {@code [startAddress, endAddress)} with its protection.
 * When read with {@link MappingSource#SMAPS} it also carries the lock flags ({@code lo},
 * {@code lf}), {@code nr} (MAP_NORESERVE), the huge-page advice ({@code hg}, {@code nh}), the
 * resident page count and the bytes mapped by huge pages ({@code AnonHugePages}); asking a mapping read
 * any other way for those is an {@link IllegalStateException}, never a silent {@code false}.
 */
public final class Mapping {
    private final long startAddress;
    private final long endAddress;
    private final Protection protection;
    private final boolean hasDetails;
    private final boolean locked;
    private final boolean lockOnFault;
    private final boolean noReserve;
    private final long residentPages;
    private final long lockedPages;
    private final boolean hugePage;
    private final boolean noHugePage;
    private final long anonHugePageBytes;

    private Mapping(final long startAddress, final long endAddress, final Protection protection,
        final boolean hasDetails, final boolean locked, final boolean lockOnFault, final boolean noReserve,
        final long residentPages, final long lockedPages) {
        this(startAddress, endAddress, protection, hasDetails, locked, lockOnFault, noReserve, residentPages,
            lockedPages, false, false, 0);
    }

    private Mapping(final long startAddress, final long endAddress, final Protection protection,
        final boolean hasDetails, final boolean locked, final boolean lockOnFault, final boolean noReserve,
        final long residentPages, final long lockedPages, final boolean hugePage, final boolean noHugePage,
        final long anonHugePageBytes) {
        if (Long.compareUnsigned(startAddress, endAddress) >= 0) {
            throw new IllegalArgumentException("a mapping must not be empty: [0x" + Long.toHexString(startAddress)
                + ", 0x" + Long.toHexString(endAddress) + ")");
        }
        this.startAddress = startAddress;
        this.endAddress = endAddress;
        this.protection = protection;
        this.hasDetails = hasDetails;
        this.locked = locked;
        this.lockOnFault = lockOnFault;
        this.noReserve = noReserve;
        this.residentPages = residentPages;
        this.lockedPages = lockedPages;
        this.hugePage = hugePage;
        this.noHugePage = noHugePage;
        this.anonHugePageBytes = anonHugePageBytes;
    }

    /** A mapping known by its bounds and protection only. */
    public static Mapping of(final long startAddress, final long endAddress, final Protection protection) {
        return new Mapping(startAddress, endAddress, protection, false, false, false, false, -1, -1);
    }

    /** A mapping with its flags and resident and locked pages, as {@code /proc/self/smaps} reports them. */
    public static Mapping withDetails(final long startAddress, final long endAddress, final Protection protection,
        final boolean locked, final boolean lockOnFault, final boolean noReserve, final long residentPages,
        final long lockedPages) {
        return new Mapping(startAddress, endAddress, protection, true, locked, lockOnFault, noReserve, residentPages,
            lockedPages);
    }

    public long startAddress() {
        return startAddress;
    }

    public long endAddress() {
        return endAddress;
    }

    public long lengthBytes() {
        return endAddress - startAddress;
    }

    public Protection protection() {
        return protection;
    }

    /** Whether the flags and resident pages were read ({@link MappingSource#SMAPS}). */
    public boolean hasDetails() {
        return hasDetails;
    }

    /** VmFlags {@code lo}: VM_LOCKED. */
    public boolean locked() {
        requireDetails("locked");
        return locked;
    }

    /** VmFlags {@code lf}: VM_LOCKONFAULT. */
    public boolean lockOnFault() {
        requireDetails("lockOnFault");
        return lockOnFault;
    }

    /** VmFlags {@code nr}: VM_NORESERVE. */
    public boolean noReserve() {
        requireDetails("noReserve");
        return noReserve;
    }

    /** Pages of this VMA that are resident (smaps {@code Rss}). */
    public long residentPages() {
        requireDetails("residentPages");
        return residentPages;
    }

    /** Resident pages that are locked in memory (smaps {@code Locked}). */
    public long lockedPages() {
        requireDetails("lockedPages");
        return lockedPages;
    }

    /**
     * This mapping with its huge-page details, as smaps reports them: VmFlags {@code hg}
     * (VM_HUGEPAGE, from MADV_HUGEPAGE), {@code nh} (VM_NOHUGEPAGE) and {@code AnonHugePages}
     * (bytes mapped by transparent huge pages). A mapping made by {@link #withDetails} alone has
     * neither flag and no huge-page bytes (the simulator does not model THP).
     *
     * @throws IllegalStateException when this mapping has no details
     */
    public Mapping withHugePages(final boolean hugePageAdvised, final boolean noHugePageAdvised,
        final long hugePageBytes) {
        requireDetails("withHugePages");
        return new Mapping(startAddress, endAddress, protection, true, locked, lockOnFault, noReserve, residentPages,
            lockedPages, hugePageAdvised, noHugePageAdvised, hugePageBytes);
    }

    /** VmFlags {@code hg}: VM_HUGEPAGE, set by MADV_HUGEPAGE. */
    public boolean hugePage() {
        requireDetails("hugePage");
        return hugePage;
    }

    /** VmFlags {@code nh}: VM_NOHUGEPAGE, set by MADV_NOHUGEPAGE. */
    public boolean noHugePage() {
        requireDetails("noHugePage");
        return noHugePage;
    }

    /** Bytes of this VMA mapped by transparent huge pages (smaps {@code AnonHugePages}); 0 in the simulator. */
    public long anonHugePageBytes() {
        requireDetails("anonHugePageBytes");
        return anonHugePageBytes;
    }

    /** The same VMA with its bounds and protection only, for comparing layouts read different ways. */
    public Mapping withoutDetails() {
        return hasDetails ? of(startAddress, endAddress, protection) : this;
    }

    /** This VMA moved by {@code deltaBytes}, details kept. */
    public Mapping shiftedBy(final long deltaBytes) {
        return new Mapping(startAddress + deltaBytes, endAddress + deltaBytes, protection, hasDetails, locked,
            lockOnFault, noReserve, residentPages, lockedPages, hugePage, noHugePage, anonHugePageBytes);
    }

    private void requireDetails(final String what) {
        if (!hasDetails) {
            throw new IllegalStateException(what + " is only known for mappings read with MappingSource.SMAPS");
        }
    }

    @Override
    public boolean equals(final Object other) {
        if (!(other instanceof Mapping)) {
            return false;
        }
        final Mapping that = (Mapping)other;
        return startAddress == that.startAddress && endAddress == that.endAddress && protection == that.protection
            && hasDetails == that.hasDetails && locked == that.locked && lockOnFault == that.lockOnFault
            && noReserve == that.noReserve && residentPages == that.residentPages
            && lockedPages == that.lockedPages && hugePage == that.hugePage && noHugePage == that.noHugePage
            && anonHugePageBytes == that.anonHugePageBytes;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(startAddress) * 31 + Long.hashCode(endAddress);
    }

    @Override
    public String toString() {
        final StringBuilder text = new StringBuilder()
            .append("0x").append(Long.toHexString(startAddress))
            .append("-0x").append(Long.toHexString(endAddress))
            .append(' ').append(protection.symbol());
        if (hasDetails) {
            text.append(" rss=").append(residentPages).append(" lockedPages=").append(lockedPages);
            if (locked) {
                text.append(" locked");
            }
            if (lockOnFault) {
                text.append(" onfault");
            }
            if (noReserve) {
                text.append(" noreserve");
            }
            if (hugePage) {
                text.append(" hugepage");
            }
            if (noHugePage) {
                text.append(" nohugepage");
            }
            if (anonHugePageBytes != 0) {
                text.append(" anonHugePageBytes=").append(anonHugePageBytes);
            }
        }
        return text.toString();
    }
}
