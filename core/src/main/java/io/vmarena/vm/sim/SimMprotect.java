package io.vmarena.vm.sim;

import io.vmarena.vm.Errno;
import io.vmarena.vm.Protection;

/**
 * mprotect (kernel-semantics 1.8): VMAs are changed one by one from the start; a hole stops
 * the walk with ENOMEM after the VMAs before it were changed.
 */
final class SimMprotect {
    private final SimProcess process;

    SimMprotect(final SimProcess process) {
        this.process = process;
    }

    /** @return 0, or a negative errno */
    long mprotect(final long start, final long lengthBytes, final Protection protection) {
        if ((start & process.pageMask) != 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        if (lengthBytes == 0) {
            return 0;
        }
        final long end = start + process.pageAlign(lengthBytes);
        if (Long.compareUnsigned(end, start) <= 0) {
            return SimProcess.error(Errno.ENOMEM);
        }
        Vma vma = process.vmas.findVma(start);
        if (vma == null || vma.start >= end || vma.start > start) {
            return SimProcess.error(Errno.ENOMEM);
        }
        long position = start;
        while (vma != null && vma.start < end) {
            if (vma.start > position) {
                return SimProcess.error(Errno.ENOMEM);
            }
            final long pieceEnd = Math.min(vma.end, end);
            final long result = fixup(vma, position, pieceEnd, protection);
            if (result < 0) {
                return result;
            }
            position = pieceEnd;
            vma = position < end ? process.vmas.findVma(position) : null;
        }
        return position < end ? SimProcess.error(Errno.ENOMEM) : 0;
    }

    /** mprotect_fixup of {@code [start, end)} inside {@code vma}. */
    private long fixup(final Vma vma, final long start, final long end, final Protection protection) {
        if (protection == vma.protection) {
            // mprotect_fixup returns before it adjusts VM_ACCOUNT when nothing changes.
            return 0;
        }
        // MP5: becoming writable charges a private mapping that was never charged; becoming
        // read-only gives the charge back while no page was ever written (no anon_vma), as
        // mprotect_fixup does (measured here: an unfaulted rw- VMA made r-- loses "ac"); 6.1
        // never gives it back (measured in .ci/old-kernel's VM).
        final boolean account;
        if (protection.canWrite()) {
            account = vma.account || !vma.protection.canWrite() && !vma.noReserve;
        } else {
            account = vma.account && (vma.anonVma != null || process.profile.sixOneMm());
        }
        // MP6: a VMA locked (not on fault) that becomes writable is populated.
        final boolean populate = vma.locked && !vma.protection.canWrite() && protection.canWrite();
        final long result = process.modify(vma, start, end, piece -> {
            piece.protection = protection;
            piece.account = account;
        });
        if (result < 0) {
            return result;
        }
        if (protection != Protection.NONE) {
            process.pages.makeVisible(start, end);
        }
        if (populate) {
            process.populate(start, end, true);
        }
        return 0;
    }
}
