package io.vmarena.vm.sim;

import io.vmarena.vm.Errno;

/**
 * mlock2 and munlock (kernel-semantics 1.7): privilege first, then the limit, then VMA by VMA
 * with partial application at the first hole, then population (mlock without ONFAULT).
 */
final class SimMlock {
    private final SimProcess process;

    SimMlock(final SimProcess process) {
        this.process = process;
    }

    /** @return 0, or a negative errno */
    long mlock(final long address, final long lengthBytes, final boolean onFault) {
        if (onFault && !process.profile.lockOnFault()) {
            return SimProcess.error(Errno.EINVAL); // L1: an unknown flag, before the permission check
        }
        if (!process.hasIpcLock() && process.profile.memlockBytes() == 0) {
            return SimProcess.error(Errno.EPERM);
        }
        final long start = address & ~process.pageMask;
        final long length = process.pageAlign(lengthBytes + (address & process.pageMask));
        long locked = (length >>> process.pageShift) + process.lockedPages;
        if (locked > process.lockLimitPages() && !process.hasIpcLock()) {
            locked -= lockedPagesIn(start, start + length);
        }
        if (locked > process.lockLimitPages() && !process.hasIpcLock()) {
            return SimProcess.error(Errno.ENOMEM);
        }
        final long applied = applyLockFlags(start, length, true, onFault);
        if (applied < 0 || onFault || length == 0) {
            return applied;
        }
        // L13: populate errors are mapped EFAULT -> ENOMEM (and ENOMEM -> EAGAIN).
        final long populated = process.populate(start, start + length, false);
        return populated == SimProcess.error(Errno.EFAULT) ? SimProcess.error(Errno.ENOMEM) : populated;
    }

    /** @return 0, or a negative errno (L14: no privilege needed) */
    long munlock(final long address, final long lengthBytes) {
        final long start = address & ~process.pageMask;
        final long length = process.pageAlign(lengthBytes + (address & process.pageMask));
        return applyLockFlags(start, length, false, false);
    }

    private long lockedPagesIn(final long start, final long end) {
        long pages = 0;
        for (final Vma vma : process.vmas.intersecting(start, end)) {
            if (vma.locked) {
                pages += (Math.min(end, vma.end) - Math.max(start, vma.start)) >>> process.pageShift;
            }
        }
        return pages;
    }

    /** apply_vma_lock_flags: from the VMA containing start, one by one; ENOMEM at a hole. */
    private long applyLockFlags(final long start, final long length, final boolean lock, final boolean onFault) {
        final long end = start + length;
        if (Long.compareUnsigned(end, start) < 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        if (end == start) {
            return 0;
        }
        Vma vma = process.vmas.containing(start);
        if (vma == null) {
            return SimProcess.error(Errno.ENOMEM);
        }
        long position = start;
        while (vma != null && vma.start < end) {
            if (vma.start > position) {
                return SimProcess.error(Errno.ENOMEM);
            }
            final long pieceEnd = Math.min(vma.end, end);
            final long result = fixup(vma, position, pieceEnd, lock, lock && onFault);
            if (result < 0) {
                return result;
            }
            position = pieceEnd;
            vma = position < end ? process.vmas.findVma(position) : null;
        }
        return position < end ? SimProcess.error(Errno.ENOMEM) : 0;
    }

    /** mlock_fixup: flags, then locked_vm by the pages whose VM_LOCKED changed. */
    private long fixup(final Vma vma, final long start, final long end, final boolean lock, final boolean onFault) {
        final boolean wasLocked = vma.locked;
        if (vma.locked == lock && vma.lockOnFault == onFault) {
            return 0;
        }
        final long result = process.modify(vma, start, end, piece -> {
            piece.locked = lock;
            piece.lockOnFault = onFault;
        });
        if (result < 0) {
            return result;
        }
        final long pages = (end - start) >>> process.pageShift;
        if (!lock) {
            process.lockedPages -= pages;
        } else if (!wasLocked) {
            process.lockedPages += pages;
        }
        return 0;
    }
}
