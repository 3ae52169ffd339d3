package io.vmarena.vm.sim;

import io.vmarena.vm.Errno;
import io.vmarena.vm.RemapFlags;

/**
 * mremap as Linux 6.1 does it (mm/mremap.c of Debian 12's 6.1.176, measured in
 * .ci/old-kernel's VM): the flags checked before the lengths are page-aligned, no multi-VMA
 * move, and mremap_to in its old order: a FIXED target and a shrink's tail are unmapped before
 * vma_to_resize looks at the source, so a move that fails there (EFAULT across VMAs) leaves
 * the target unmapped. The move itself and the growth in place are {@link SimMremap}'s, with
 * 6.1's merge rules ({@link SimProcess#joinsBefore}).
 */
final class SimMremapSixOne {
    private final SimProcess process;
    private final SimMmap mmap;
    private final SimMremap mremap;

    SimMremapSixOne(final SimProcess process, final SimMmap mmap, final SimMremap mremap) {
        this.process = process;
        this.mmap = mmap;
        this.mremap = mremap;
    }

    /** SYSCALL_DEFINE5(mremap): @return the new address, or a negative errno */
    long mremap(final long address, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        if ((flags & ~SimMremap.KNOWN_FLAGS) != 0 || (flags & RemapFlags.FIXED) != 0 && (flags & RemapFlags.MAYMOVE) == 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        // DONTUNMAP compares the lengths as given, before PAGE_ALIGN.
        if ((flags & RemapFlags.DONTUNMAP) != 0
            && ((flags & RemapFlags.MAYMOVE) == 0 || oldLengthBytes != newLengthBytes)) {
            return SimProcess.error(Errno.EINVAL);
        }
        if ((address & process.pageMask) != 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        final long oldLength = process.pageAlign(oldLengthBytes);
        final long newLength = process.pageAlign(newLengthBytes);
        if (newLength == 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        if (process.vmas.containing(address) == null) {
            return SimProcess.error(Errno.EFAULT);
        }
        if ((flags & (RemapFlags.FIXED | RemapFlags.DONTUNMAP)) != 0) {
            return mremapTo(address, oldLength, newLength, flags, newAddress);
        }
        if (Long.compareUnsigned(oldLength, newLength) >= 0) {
            if (oldLength != newLength) {
                final long shrunk = mmap.munmap(address + newLength, oldLength - newLength);
                if (shrunk < 0) {
                    return shrunk;
                }
            }
            return address;
        }
        final long resizable = toResize(address, oldLength, newLength);
        if (resizable < 0) {
            return resizable;
        }
        final Vma vma = process.vmas.containing(address);
        final long delta = newLength - oldLength;
        if (oldLength == vma.end - address && expandable(vma, delta)) {
            return mremap.expandInPlace(vma, address, delta);
        }
        if ((flags & RemapFlags.MAYMOVE) == 0) {
            return SimProcess.error(Errno.ENOMEM);
        }
        // get_unmapped_area: a length beyond TASK_SIZE is ENOMEM (6.18 refuses it with EINVAL first).
        if (Long.compareUnsigned(newLength, process.profile.taskSizeBytes()) > 0) {
            return SimProcess.error(Errno.ENOMEM);
        }
        final long target = process.unmappedArea(0, newLength);
        if (target < 0) {
            return target;
        }
        return mremap.moveVma(vma, address, oldLength, newLength, target, flags);
    }

    /** mremap_to: checks, FIXED's unmap of the target, a shrink's unmap, then vma_to_resize and the move. */
    private long mremapTo(final long address, final long oldLengthIn, final long newLength, final int flags,
        final long newAddress) {
        final long taskSize = process.profile.taskSizeBytes();
        if ((newAddress & process.pageMask) != 0 || Long.compareUnsigned(newLength, taskSize) > 0
            || Long.compareUnsigned(newAddress, taskSize - newLength) > 0
            || Long.compareUnsigned(address + oldLengthIn, newAddress) > 0
                && Long.compareUnsigned(newAddress + newLength, address) > 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        if (process.mapCount() + 2 >= process.maxMapCount() - 3) {
            return SimProcess.error(Errno.ENOMEM);
        }
        final boolean fixed = (flags & RemapFlags.FIXED) != 0;
        if (fixed) {
            final long unmapped = mmap.munmap(newAddress, newLength);
            if (unmapped < 0) {
                return unmapped;
            }
        }
        long oldLength = oldLengthIn;
        if (Long.compareUnsigned(oldLength, newLength) > 0) {
            final long shrunk = mmap.munmap(address + newLength, oldLength - newLength);
            if (shrunk < 0) {
                return shrunk;
            }
            oldLength = newLength;
        }
        final long resizable = toResize(address, oldLength, newLength);
        if (resizable < 0) {
            return resizable;
        }
        final long target = fixed ? newAddress : process.unmappedArea(newAddress, newLength);
        if (target < 0) {
            return target;
        }
        return mremap.moveVma(process.vmas.containing(address), address, oldLength, newLength, target, flags);
    }

    /** vma_to_resize: @return 0, or a negative errno */
    private long toResize(final long address, final long oldLength, final long newLength) {
        final Vma vma = process.vmas.containing(address);
        if (vma == null) {
            return SimProcess.error(Errno.EFAULT);
        }
        if (oldLength == 0) {
            return SimProcess.error(Errno.EINVAL); // no duplicating a private mapping
        }
        if (Long.compareUnsigned(oldLength, vma.end - address) > 0) {
            return SimProcess.error(Errno.EFAULT);
        }
        if (newLength == oldLength) {
            return 0;
        }
        final long pageOffset = vma.pageOffset + ((address - vma.start) >>> process.pageShift);
        if (Long.compareUnsigned(pageOffset + (newLength >>> process.pageShift), pageOffset) < 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        if (!process.mlockFutureOk(vma.locked, newLength - oldLength)) {
            return SimProcess.error(Errno.EAGAIN);
        }
        return 0;
    }

    /** vma_expandable: nothing mapped in the growth, and the grown VMA within TASK_SIZE. */
    private boolean expandable(final Vma vma, final long delta) {
        final long end = vma.end + delta;
        if (Long.compareUnsigned(end, vma.end) < 0) {
            return false;
        }
        final long length = end - vma.start;
        final long taskSize = process.profile.taskSizeBytes();
        return Long.compareUnsigned(length, taskSize) <= 0 && Long.compareUnsigned(vma.start, taskSize - length) <= 0
            && process.isFree(vma.end, end);
    }
}
