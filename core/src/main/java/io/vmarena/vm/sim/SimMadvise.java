package io.vmarena.vm.sim;

import io.vmarena.vm.Advice;
import io.vmarena.vm.Errno;

/**
 * madvise (kernel-semantics 1.10): every mapped part of the range is visited, holes are
 * remembered and reported as ENOMEM at the end; a locked VMA stops DONTNEED and FREE with
 * EINVAL. HUGEPAGE and NOHUGEPAGE change VMA flags and so split and merge. POPULATE_WRITE
 * stops at the first hole (ENOMEM) or VMA it cannot write (EINVAL, measured on 6.18 and 6.1);
 * on 6.1 it walks the VMAs as the other advice does, on past holes (madvise_populate per VMA),
 * and a split refused at vm.max_map_count is EAGAIN (madvise_vma_behavior turns ENOMEM into
 * EAGAIN; read in 6.1's source, not measured: no scenario can lower vm.max_map_count).
 */
final class SimMadvise {
    private final SimProcess process;

    SimMadvise(final SimProcess process) {
        this.process = process;
    }

    /** @return 0, or a negative errno */
    long madvise(final long start, final long lengthBytes, final Advice advice) {
        if ((start & process.pageMask) != 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        if (advice == Advice.POPULATE_WRITE && !process.profile.populateWrite()) {
            return SimProcess.error(Errno.EINVAL); // an unknown advice, as before 5.14
        }
        final long length = process.pageAlign(lengthBytes);
        if (lengthBytes != 0 && length == 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        final long end = start + length;
        if (Long.compareUnsigned(end, start) < 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        if (end == start) {
            return 0;
        }
        if (advice == Advice.POPULATE_WRITE && !process.profile.sixOneMm()) {
            return populateWrite(start, end);
        }
        long unmappedError = 0;
        long position = start;
        Vma vma = process.vmas.findVma(start);
        while (true) {
            if (vma == null) {
                return SimProcess.error(Errno.ENOMEM);
            }
            if (position < vma.start) {
                unmappedError = SimProcess.error(Errno.ENOMEM);
                position = vma.start;
                if (position >= end) {
                    break;
                }
            }
            final long pieceEnd = Math.min(vma.end, end);
            final long result = visit(vma, position, pieceEnd, advice);
            if (result < 0) {
                return result;
            }
            position = pieceEnd;
            if (position >= end) {
                break;
            }
            vma = process.vmas.findVma(position);
        }
        return unmappedError;
    }

    private long visit(final Vma vma, final long start, final long end, final Advice advice) {
        switch (advice) {
            case DONTNEED:
            case FREE:
                if (vma.locked) {
                    return SimProcess.error(Errno.EINVAL);
                }
                if (advice == Advice.DONTNEED) {
                    process.pages.drop(start, end, vma.accessible());
                }
                return 0;
            case WILLNEED:
                return 0;
            case POPULATE_WRITE: // 6.1's madvise_populate, one VMA at a time
                if (!vma.protection.canWrite()) {
                    return SimProcess.error(Errno.EINVAL);
                }
                process.fault(vma, start, end);
                return 0;
            case HUGEPAGE:
            case NOHUGEPAGE:
                final boolean huge = advice == Advice.HUGEPAGE;
                if (vma.hugePage == huge && vma.noHugePage == !huge) {
                    return 0;
                }
                final long changed = process.modify(vma, start, end, piece -> {
                    piece.hugePage = huge;
                    piece.noHugePage = !huge;
                });
                return changed == SimProcess.error(Errno.ENOMEM) && process.profile.sixOneMm()
                    ? SimProcess.error(Errno.EAGAIN) : changed;
            default:
                return SimProcess.error(Errno.EINVAL);
        }
    }

    /** MADV_POPULATE_WRITE: every page must be mapped writable. */
    private long populateWrite(final long start, final long end) {
        long position = start;
        for (final Vma vma : process.vmas.intersecting(start, end)) {
            if (vma.start > position) {
                return SimProcess.error(Errno.ENOMEM);
            }
            if (!vma.protection.canWrite()) {
                return SimProcess.error(Errno.EINVAL);
            }
            process.fault(vma, Math.max(start, vma.start), Math.min(end, vma.end));
            position = vma.end;
        }
        return position < end ? SimProcess.error(Errno.ENOMEM) : 0;
    }
}
