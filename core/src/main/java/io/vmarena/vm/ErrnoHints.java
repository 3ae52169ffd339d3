package io.vmarena.vm;

/**
 * What a failed address-space call means and what to change, by call and errno. Both backends
 * use these, so the Linux kernel and the simulator explain the same failure the same way.
 */
public final class ErrnoHints {
    private static final String RAISE_MEMLOCK =
        "raise it with ulimit -l, LimitMEMLOCK= or --ulimit memlock, or grant CAP_IPC_LOCK";

    private ErrnoHints() {
    }

    /**
     * @param operation the C name of the call ({@code mlock2}, {@code mremap})
     * @param lengthBytes the length the call asked for, for limit arithmetic
     * @param budget the lock budget at the time, or null where the call does not lock
     */
    public static String hint(final String operation, final Errno errno, final long lengthBytes,
        final LockBudget budget) {
        if (errno == Errno.EINTR) {
            return "interrupted by a signal before it changed anything; call again";
        }
        switch (operation) {
            case "mlock2":
                return lockHint(errno, lengthBytes, budget);
            case "mremap":
                return remapHint(errno, budget);
            case "mmap":
                return errno == Errno.ENOMEM ? "no free range of that length, or the process reached vm.max_map_count"
                    : errno == Errno.EEXIST ? "MAP_FIXED_NOREPLACE: something is already mapped in the range"
                    : errno == Errno.EINVAL ? "zero length, or an unaligned fixed address" : errno.description();
            case "munmap":
                return errno == Errno.EINVAL ? "unaligned address, zero length, or a range beyond the address space"
                    : errno == Errno.ENOMEM ? "splitting a VMA would pass vm.max_map_count" : errno.description();
            case "mprotect":
                return errno == Errno.ENOMEM ? "the range is not fully mapped (the VMAs before the first hole were "
                    + "changed), or splitting a VMA would pass vm.max_map_count"
                    : errno == Errno.EINVAL ? "unaligned address or unknown protection bits" : errno.description();
            case "munlock":
                return errno == Errno.ENOMEM ? "the range is not fully mapped (the VMAs before the first hole were "
                    + "unlocked)" : errno.description();
            case "madvise":
                return errno == Errno.EINVAL ? "unaligned address, advice this kernel lacks, or MADV_DONTNEED on a "
                    + "locked VMA (unlock it first)"
                    : errno == Errno.ENOMEM ? "the range is not fully mapped (every mapped part was still advised)"
                    : errno.description();
            default:
                return errno.description();
        }
    }

    private static String lockHint(final Errno errno, final long lengthBytes, final LockBudget budget) {
        if (errno == Errno.EINVAL) {
            return "unknown flags (only MLOCK_ONFAULT is defined), or the range wraps around";
        }
        if (budget != null && !budget.ipcLock() && (errno == Errno.EPERM || errno == Errno.ENOMEM)) {
            if (budget.softLimitBytes() == 0) {
                return "RLIMIT_MEMLOCK is 0 and the process lacks CAP_IPC_LOCK (" + RAISE_MEMLOCK + ")";
            }
            if (errno == Errno.ENOMEM && budget.exceededBy(lengthBytes)) {
                return "locking " + lengthBytes + " bytes on top of the " + budget.lockedBytes() + " bytes already "
                    + "locked passes RLIMIT_MEMLOCK (" + budget.limits() + ") and the process lacks CAP_IPC_LOCK ("
                    + RAISE_MEMLOCK + ")";
            }
        }
        if (errno == Errno.ENOMEM) {
            return "the range is not fully mapped (the VMAs before the first hole were locked), or mlock without "
                + "MLOCK_ONFAULT met a PROT_NONE VMA it cannot populate (lock reservations with LockMode.ON_FAULT)";
        }
        if (errno == Errno.EAGAIN) {
            return "some pages could not be locked in memory; the system is short of memory";
        }
        return errno.description();
    }

    private static String remapHint(final Errno errno, final LockBudget budget) {
        switch (errno) {
            case EFAULT:
                return "no VMA at the old address, or the range crosses the end of its VMA where the kernel cannot "
                    + "move several (before Linux 6.17, a resize, or DONTUNMAP without FIXED)";
            case EINVAL:
                return "unknown flags, an unaligned address, a zero new length, FIXED or DONTUNMAP without MAYMOVE, "
                    + "DONTUNMAP with a resize, or source and destination overlap";
            case ENOMEM:
                return "cannot grow in place without MREMAP_MAYMOVE, or the process is near vm.max_map_count";
            case EAGAIN:
                return "growing a locked VMA passes RLIMIT_MEMLOCK"
                    + (budget == null ? "" : " (" + budget.limits() + ", " + budget.lockedBytes() + " bytes locked)")
                    + " and the process lacks CAP_IPC_LOCK (" + RAISE_MEMLOCK + ")";
            case EPERM:
                return "a sealed VMA is in the way, or the destination is below vm.mmap_min_addr";
            default:
                return errno.description();
        }
    }
}
