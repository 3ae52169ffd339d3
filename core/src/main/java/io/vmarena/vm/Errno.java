package io.vmarena.vm;

/**
 * The kernel error numbers that address-space calls return, with their Linux values (the same
 * on x86-64 and arm64, which share the generic numbering for these). A number with no name
 * here maps to {@link #UNKNOWN}; {@link VmException#errnoValue()} keeps the raw number.
 */
public enum Errno {
    EPERM(1, "operation not permitted"),
    ENOENT(2, "no such entry"),
    EINTR(4, "interrupted system call"),
    EIO(5, "input/output error"),
    EBADF(9, "bad file descriptor"),
    EAGAIN(11, "resource temporarily unavailable"),
    ENOMEM(12, "cannot allocate memory"),
    EACCES(13, "permission denied"),
    EFAULT(14, "bad address"),
    EBUSY(16, "device or resource busy"),
    EEXIST(17, "file exists"),
    EINVAL(22, "invalid argument"),
    ENOTTY(25, "inappropriate ioctl for device"),
    ENOSYS(38, "function not implemented"),
    EOVERFLOW(75, "value too large for defined data type"),
    EOPNOTSUPP(95, "operation not supported"),
    UNKNOWN(-1, "unknown error");

    private static final Errno[] BY_VALUE = new Errno[128];

    static {
        for (final Errno errno : values()) {
            if (errno.value > 0) {
                BY_VALUE[errno.value] = errno;
            }
        }
    }

    private final int value;
    private final String description;

    Errno(final int value, final String description) {
        this.value = value;
        this.description = description;
    }

    /** The Linux errno number; -1 for {@link #UNKNOWN}. */
    public int value() {
        return value;
    }

    /** What {@code strerror} would say, in lower case. */
    public String description() {
        return description;
    }

    /** The errno with this number, or {@link #UNKNOWN}. */
    public static Errno of(final int value) {
        if (value > 0 && value < BY_VALUE.length && BY_VALUE[value] != null) {
            return BY_VALUE[value];
        }
        return UNKNOWN;
    }
}
