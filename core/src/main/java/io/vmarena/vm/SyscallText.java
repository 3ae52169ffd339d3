package io.vmarena.vm;

/**
 * Renders system-call arguments as a person would write them in C, for {@link VmException}
 * messages: both backends use it, so the same failure reads the same on Linux and in the
 * simulator.
 */
public final class SyscallText {
    private SyscallText() {
    }

    public static String hex(final long address) {
        return "0x" + Long.toHexString(address);
    }

    /** {@code PROT_READ|PROT_WRITE}, or {@code PROT_NONE}. */
    public static String protection(final Protection protection) {
        if (protection == Protection.NONE) {
            return "PROT_NONE";
        }
        final StringBuilder text = new StringBuilder();
        append(text, protection.canRead(), "PROT_READ");
        append(text, protection.canWrite(), "PROT_WRITE");
        append(text, (protection.bits() & 4) != 0, "PROT_EXEC");
        return text.toString();
    }

    /** {@code MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED} for {@link MapFlags}. */
    public static String mapFlags(final int flags) {
        return "MAP_PRIVATE|MAP_ANONYMOUS"
            + ((flags & MapFlags.FIXED) != 0 ? "|MAP_FIXED" : "")
            + ((flags & MapFlags.NORESERVE) != 0 ? "|MAP_NORESERVE" : "")
            + ((flags & MapFlags.FIXED_NOREPLACE) != 0 ? "|MAP_FIXED_NOREPLACE" : "");
    }

    public static String lockFlags(final LockMode mode) {
        return mode == LockMode.ON_FAULT ? "MLOCK_ONFAULT" : "0";
    }

    public static String advice(final Advice advice) {
        return "MADV_" + advice.name();
    }

    private static void append(final StringBuilder text, final boolean present, final String name) {
        if (present) {
            text.append(text.length() == 0 ? "" : "|").append(name);
        }
    }
}
