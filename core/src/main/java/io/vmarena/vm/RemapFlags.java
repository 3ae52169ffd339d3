package io.vmarena.vm;

/**
 * Flags for {@link AddressSpace#remap}, with Linux's values. Combine with {@code |}. Unknown
 * bits are passed to the kernel unchanged, which refuses them with EINVAL (kernel-semantics P1).
 */
public final class RemapFlags {
    /** Resize in place only. */
    public static final int NONE = 0;
    /** {@code MREMAP_MAYMOVE}: the kernel may move the range. */
    public static final int MAYMOVE = 1;
    /** {@code MREMAP_FIXED}: move to exactly {@code newAddress}; needs MAYMOVE. */
    public static final int FIXED = 2;
    /** {@code MREMAP_DONTUNMAP}: move the pages but leave the source VMA mapped and empty. */
    public static final int DONTUNMAP = 4;

    private RemapFlags() {
    }

    /** Renders flags as the C expression a person would write: {@code MREMAP_MAYMOVE|MREMAP_FIXED}. */
    public static String describe(final int flags) {
        if (flags == 0) {
            return "0";
        }
        final StringBuilder text = new StringBuilder();
        append(text, flags, MAYMOVE, "MREMAP_MAYMOVE");
        append(text, flags, FIXED, "MREMAP_FIXED");
        append(text, flags, DONTUNMAP, "MREMAP_DONTUNMAP");
        final int unknown = flags & ~(MAYMOVE | FIXED | DONTUNMAP);
        if (unknown != 0) {
            text.append(text.length() == 0 ? "" : "|").append("0x").append(Integer.toHexString(unknown));
        }
        return text.toString();
    }

    private static void append(final StringBuilder text, final int flags, final int flag, final String name) {
        if ((flags & flag) != 0) {
            text.append(text.length() == 0 ? "" : "|").append(name);
        }
    }
}
