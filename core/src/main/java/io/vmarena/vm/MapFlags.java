package io.vmarena.vm;

/**
 * Flags for {@link AddressSpace#map}. Every mapping is anonymous and private; these choose
 * where it goes and whether it reserves swap. Combine with {@code |}.
 */
public final class MapFlags {
    /** Let the kernel choose the address ({@code address} is only a hint, usually 0). */
    public static final int NONE = 0;
    /** {@code MAP_FIXED}: place the mapping exactly at {@code address}, replacing what is there. */
    public static final int FIXED = 1;
    /** {@code MAP_NORESERVE}: reserve no swap; the usual flag for a PROT_NONE reservation. */
    public static final int NORESERVE = 2;
    /** {@code MAP_FIXED_NOREPLACE}: place exactly at {@code address}, EEXIST if anything is there. */
    public static final int FIXED_NOREPLACE = 4;

    static final int ALL = FIXED | NORESERVE | FIXED_NOREPLACE;

    private MapFlags() {
    }

    /** Throws when {@code flags} holds bits that are not defined here. */
    public static void validate(final int flags) {
        if ((flags & ~ALL) != 0 || (flags & FIXED) != 0 && (flags & FIXED_NOREPLACE) != 0) {
            throw new IllegalArgumentException("map flags must combine MapFlags.FIXED or FIXED_NOREPLACE "
                + "(not both) with NORESERVE, got 0x" + Integer.toHexString(flags));
        }
    }
}
