package io.vmarena.vm;

/**
 * A system call on an {@link AddressSpace} failed. Carries the call's name and arguments as a
 * person would write them in C, the typed {@link Errno}, and a hint that says what it means
 * and what to change:
 * <pre>
 * mlock2(0x7f3a00000000, 1048576, MLOCK_ONFAULT): EPERM: RLIMIT_MEMLOCK is 0 and the process
 * lacks CAP_IPC_LOCK (raise it with ulimit -l, LimitMEMLOCK= or --ulimit memlock)
 * </pre>
 * The simulator throws the same type with the same errno for the same arguments, so the two
 * backends can be compared call by call.
 */
public final class VmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Errno errno;
    private final int errnoValue;
    private final String operation;
    private final String arguments;
    private final String hint;

    /**
     * @param operation the system call, as named in C ({@code mremap})
     * @param arguments the arguments as they were passed, comma separated
     * @param errnoValue the raw errno number
     * @param hint what the failure means for the caller and what to change; may be empty
     */
    public VmException(final String operation, final String arguments, final int errnoValue, final String hint) {
        super(message(operation, arguments, errnoValue, hint));
        this.errno = Errno.of(errnoValue);
        this.errnoValue = errnoValue;
        this.operation = operation;
        this.arguments = arguments;
        this.hint = hint == null ? "" : hint;
    }

    public VmException(final String operation, final String arguments, final Errno errno, final String hint) {
        this(operation, arguments, errno.value(), hint);
    }

    private static String message(final String operation, final String arguments, final int errnoValue,
        final String hint) {
        final Errno errno = Errno.of(errnoValue);
        final String name = errno == Errno.UNKNOWN ? "errno " + errnoValue : errno.name();
        final String explanation = hint == null || hint.isEmpty() ? errno.description() : hint;
        return operation + "(" + arguments + "): " + name + ": " + explanation;
    }

    public Errno errno() {
        return errno;
    }

    /** The raw errno number, also for errnos that {@link Errno} does not name. */
    public int errnoValue() {
        return errnoValue;
    }

    /** The system call that failed, as named in C. */
    public String operation() {
        return operation;
    }

    /** The call's arguments, rendered as in C: {@code 0x7f3a00000000, 1048576, MLOCK_ONFAULT}. */
    public String arguments() {
        return arguments;
    }

    /** What the failure means and what to do about it; empty when the errno says it all. */
    public String hint() {
        return hint;
    }
}
