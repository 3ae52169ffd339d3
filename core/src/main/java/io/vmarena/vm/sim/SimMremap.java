package io.vmarena.vm.sim;

import io.vmarena.vm.Errno;
import io.vmarena.vm.RemapFlags;

/**
 * mremap as Linux 6.18 does it (kernel-semantics 1.1 to 1.6): parameter checks in the kernel's
 * order (check_mremap_params), then the multi-VMA move (remap_move, 6.17+) for a same-size
 * FIXED move, else the single-VMA path: check_prep_vma, then mremap_to (FIXED or DONTUNMAP) or
 * mremap_at (resize in place, or move if allowed). On a 6.1 profile the syscall's flow is
 * {@link SimMremapSixOne}'s; the move and the growth in place are shared.
 */
final class SimMremap {
    /** The flags mremap knows on every kernel played (DONTUNMAP since 5.7). */
    static final int KNOWN_FLAGS = RemapFlags.MAYMOVE | RemapFlags.FIXED | RemapFlags.DONTUNMAP;

    private final SimProcess process;
    private final SimMmap mmap;
    private final SimMremapSixOne sixOne;

    SimMremap(final SimProcess process, final SimMmap mmap) {
        this.process = process;
        this.mmap = mmap;
        this.sixOne = new SimMremapSixOne(process, mmap, this);
    }

    /** @return the new address, or a negative errno */
    long mremap(final long address, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddressArgument) {
        if (process.profile.sixOneMm()) {
            return sixOne.mremap(address, oldLengthBytes, newLengthBytes, flags, newAddressArgument);
        }
        final long oldLength = process.pageAlign(oldLengthBytes);
        final long newLength = process.pageAlign(newLengthBytes);
        final long checked = checkParameters(address, oldLength, newLength, flags, newAddressArgument);
        if (checked < 0) {
            return checked;
        }
        if ((flags & RemapFlags.FIXED) != 0 && oldLength == newLength && process.profile.multiVmaMove()) {
            return remapMove(address, oldLength, newAddressArgument, flags);
        }
        final Vma vma = process.vmas.containing(address);
        final long prepared = checkPrepVma(vma, address, oldLength, newLength, flags);
        if (prepared < 0) {
            return prepared;
        }
        return impliesNewAddress(flags)
            ? mremapTo(address, oldLength, newLength, flags, newAddressArgument)
            : mremapAt(vma, address, oldLength, newLength, flags);
    }

    private static boolean impliesNewAddress(final int flags) {
        return (flags & (RemapFlags.FIXED | RemapFlags.DONTUNMAP)) != 0;
    }

    /** check_mremap_params, P1 to P11. */
    private long checkParameters(final long address, final long oldLength, final long newLength, final int flags,
        final long newAddress) {
        final long taskSize = process.profile.taskSizeBytes();
        if ((flags & ~KNOWN_FLAGS) != 0 || (address & process.pageMask) != 0 || newLength == 0
            || Long.compareUnsigned(newLength, taskSize) > 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        if (!impliesNewAddress(flags)) {
            return 0;
        }
        if (Long.compareUnsigned(newAddress, taskSize - newLength) > 0 || (newAddress & process.pageMask) != 0
            || (flags & RemapFlags.MAYMOVE) == 0
            || (flags & RemapFlags.DONTUNMAP) != 0 && oldLength != newLength
            || Long.compareUnsigned(address + oldLength, newAddress) > 0
                && Long.compareUnsigned(newAddress + newLength, address) > 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        if (process.mapCount() + 2 >= process.maxMapCount() - 3) {
            return SimProcess.error(Errno.ENOMEM);
        }
        return 0;
    }

    /** check_prep_vma, C1 to C10 (no sealing, hugetlb or special VMAs in the simulator). */
    private long checkPrepVma(final Vma vma, final long address, final long oldLength, final long newLength,
        final int flags) {
        if (vma == null) {
            return SimProcess.error(Errno.EFAULT);
        }
        final boolean expand = newLength > oldLength;
        if (!expand && !impliesNewAddress(flags)) {
            return 0;
        }
        if (oldLength == 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        final long kept = newLength < oldLength ? newLength : oldLength;
        if (Long.compareUnsigned(kept, vma.end - address) > 0) {
            return SimProcess.error(Errno.EFAULT);
        }
        if (newLength == oldLength) {
            return 0;
        }
        if (expand && !process.mlockFutureOk(vma.locked, newLength - oldLength)) {
            return SimProcess.error(Errno.EAGAIN);
        }
        return 0;
    }

    /** mremap_to: FIXED unmaps the target first; a shrink unmaps the tail; then the move. */
    private long mremapTo(final long address, final long oldLength, final long newLength, final int flags,
        final long newAddressArgument) {
        long length = oldLength;
        if ((flags & RemapFlags.FIXED) != 0) {
            final long unmapped = mmap.munmap(newAddressArgument, newLength);
            if (unmapped < 0) {
                return unmapped;
            }
            if (process.vmas.containing(address) == null) {
                return SimProcess.error(Errno.EFAULT);
            }
        }
        if (newLength < oldLength) {
            final long shrunk = process.unmapRange(address + newLength, address + oldLength);
            if (shrunk < 0) {
                return shrunk;
            }
            length = newLength;
        }
        final long target = (flags & RemapFlags.FIXED) != 0 ? newAddressArgument
            : process.unmappedArea(newAddressArgument, newLength);
        if (target < 0) {
            return target;
        }
        return moveVma(process.vmas.containing(address), address, length, newLength, target, flags);
    }

    /** mremap_at: no-op, shrink in place, grow in place, or grow by moving with MAYMOVE. */
    private long mremapAt(final Vma vma, final long address, final long oldLength, final long newLength,
        final int flags) {
        if (newLength == oldLength) {
            return address;
        }
        if (newLength < oldLength) {
            final long shrunk = process.unmapRange(address + newLength, address + oldLength);
            return shrunk < 0 ? shrunk : address;
        }
        final long delta = newLength - oldLength;
        if (vma.end - address == oldLength && process.isFree(vma.end, vma.end + delta)) {
            return expandInPlace(vma, address, delta);
        }
        if ((flags & RemapFlags.MAYMOVE) == 0) {
            return SimProcess.error(Errno.ENOMEM);
        }
        final long target = process.unmappedArea(0, newLength);
        if (target < 0) {
            return target;
        }
        return moveVma(vma, address, oldLength, newLength, target, flags);
    }

    /** R3 and R11: the VMA grows over the free tail, may merge with the next, and a locked one is populated. */
    long expandInPlace(final Vma vma, final long address, final long delta) {
        final long oldEnd = vma.end;
        vma.end += delta;
        final Vma next = process.vmas.after(vma);
        if (next != null && process.joinsBefore(vma, next)) {
            process.vmas.remove(next);
            vma.end = next.end;
            if (vma.anonVma == null) {
                vma.anonVma = next.anonVma;
            }
        }
        if (vma.accessible()) {
            process.pages.makeVisible(oldEnd, oldEnd + delta);
        }
        if (vma.locked) {
            process.lockedPages += delta >>> process.pageShift;
            process.populate(oldEnd, oldEnd + delta, true);
        }
        return address;
    }

    /**
     * move_vma: a new VMA at the target with the source's flags (pgoff re-based if the source
     * was never written, R9) joins its neighbours there; the pages move; the source is unmapped,
     * or with DONTUNMAP stays, emptied and unlocked without lowering locked_vm (DU3, DU4; on
     * 7.3 only the moved piece is unlocked, split off, locked_vm is lowered, and the new VMA
     * does not join its source VMA).
     */
    long moveVma(final Vma source, final long address, final long oldLength, final long newLength,
        final long target, final int flags) {
        if (process.mapCount() >= process.maxMapCount() - 3) {
            return SimProcess.error(Errno.ENOMEM);
        }
        final Vma moved = source.copy();
        moved.start = target;
        moved.end = target + newLength;
        moved.pageOffset = source.anonVma == null ? target >>> process.pageShift
            : source.pageOffset + ((address - source.start) >>> process.pageShift);
        process.pages.move(address, oldLength, target);
        if (newLength > oldLength && source.accessible()) {
            process.pages.makeVisible(target + oldLength, target + newLength);
        }
        process.vmas.add(moved);
        final boolean settled = (flags & RemapFlags.DONTUNMAP) != 0 && process.profile.dontUnmapSettlesSource();
        // 7.3 (seen in .ci/arm64's VM): the new VMA does not merge with the VMA it is copied from.
        process.mergeNew(moved, settled ? process.vmas.containing(address) : null);
        process.vmasMoved++;
        process.pagesMoved += oldLength >>> process.pageShift;
        // 6.1's move_vma returns before it counts the new VMA's locked pages after a DONTUNMAP
        // move: locked_vm stays as it was, so the moved length does not leak as on 6.18 (DU4),
        // though what did not move of the unlocked source stays counted (measured in .ci/old-kernel's VM).
        if (source.locked && !((flags & RemapFlags.DONTUNMAP) != 0 && process.profile.sixOneMm())) {
            process.lockedPages += newLength >>> process.pageShift;
        }
        if ((flags & RemapFlags.DONTUNMAP) != 0) {
            // copy_vma: when the new VMA merged with its own source, the merged VMA is the
            // source from then on, so dontunmap_complete unlocks all of it.
            final Vma left = settled ? unlockMovedPiece(address, oldLength) : process.vmas.containing(address);
            left.locked = false;
            left.lockOnFault = false;
            // dontunmap_complete unlinks the anon_vma when the whole VMA moved: the VMA left
            // behind is as if never written (found by differential testing against 6.18).
            if (address == left.start && address + oldLength == left.end) {
                left.anonVma = null;
            }
            if (left.accessible()) {
                process.pages.makeVisible(address, address + oldLength);
            }
        } else {
            process.unmapRange(address, address + oldLength);
        }
        // R11: a locked VMA that grew is populated last, after the source is gone (do_mremap
        // does it after dropping the lock), so the first write's anon_vma goes to the VMAs as
        // they are then, not to a VMA the unmap was about to split (found by differential testing).
        if (source.locked && newLength > oldLength) {
            process.populate(target + oldLength, target + newLength, true);
        }
        return target;
    }

    /**
     * 7.3's DONTUNMAP (seen in .ci/arm64's VM): a locked source VMA is split at the moved range
     * (no merge), only that piece is unlocked, and locked_vm is lowered by its length; 6.18
     * unlocks the whole VMA without lowering locked_vm (DU3, DU4). Returns the VMA at
     * {@code address}: the piece, or the unsplit source.
     */
    private Vma unlockMovedPiece(final long address, final long oldLength) {
        Vma piece = process.vmas.containing(address);
        if (!piece.locked) {
            return piece;
        }
        if (address > piece.start) {
            piece = process.vmas.splitAt(piece, address, process.pageShift);
        }
        if (address + oldLength < piece.end) {
            process.vmas.splitAt(piece, address + oldLength, process.pageShift);
        }
        process.lockedPages -= oldLength >>> process.pageShift;
        return piece;
    }

    /**
     * remap_move (6.17+): each VMA piece of the range moves on its own, holes kept (MV2), the
     * target under holes untouched (MV3); a hole at the start is EFAULT (MV4, MV5); the first
     * failing piece stops the walk with the earlier ones moved (MV8).
     */
    private long remapMove(final long start, final long length, final long newAddress, final int flags) {
        final long end = start + length;
        long target = newAddress;
        long result = SimProcess.error(Errno.EFAULT);
        long lastEnd = 0;
        boolean seen = false;
        long position = start;
        // The walk goes on from where the last piece ended: with DONTUNMAP the source VMA stays.
        while (position < end) {
            final Vma vma = process.vmas.findVma(position);
            if (vma == null || vma.start >= end) {
                return result;
            }
            final long pieceStart = Math.max(vma.start, position);
            final long pieceLength = Math.min(end, vma.end) - pieceStart;
            if (!seen && start < vma.start) {
                return SimProcess.error(Errno.EFAULT);
            }
            final long offset = seen ? vma.start - lastEnd : 0;
            lastEnd = vma.end;
            final long pieceTarget = target + offset;
            long moved = checkPrepVma(vma, pieceStart, pieceLength, pieceLength, flags);
            if (moved == 0) {
                moved = mremapTo(pieceStart, pieceLength, pieceLength, flags, pieceTarget);
            }
            if (moved < 0) {
                return moved;
            }
            if (!seen) {
                result = moved;
            }
            seen = true;
            target = moved + pieceLength;
            position = pieceStart + pieceLength;
        }
        return result;
    }
}
