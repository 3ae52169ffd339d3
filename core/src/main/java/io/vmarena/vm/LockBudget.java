package io.vmarena.vm;

/**
 * The locked-memory budget at the moment a call failed, for explaining EPERM, ENOMEM and
 * EAGAIN from lock operations.
 *
 * @param lockedBytes the process's VmLck
 * @param softLimitBytes RLIMIT_MEMLOCK soft limit, or {@link Capabilities#UNLIMITED}
 * @param hardLimitBytes RLIMIT_MEMLOCK hard limit, or {@link Capabilities#UNLIMITED}
 * @param ipcLock whether the process holds CAP_IPC_LOCK
 */
public record LockBudget(long lockedBytes, long softLimitBytes, long hardLimitBytes, boolean ipcLock) {
    /** Whether locking {@code lengthBytes} more would pass the soft limit. */
    public boolean exceededBy(final long lengthBytes) {
        return !ipcLock && softLimitBytes != Capabilities.UNLIMITED
            && lockedBytes + Math.max(0, lengthBytes) > softLimitBytes;
    }

    /** {@code soft 65536, hard 65536} with {@code unlimited} spelled out. */
    public String limits() {
        return "soft " + bytes(softLimitBytes) + ", hard " + bytes(hardLimitBytes);
    }

    private static String bytes(final long value) {
        return value == Capabilities.UNLIMITED ? "unlimited" : value + " bytes";
    }
}
