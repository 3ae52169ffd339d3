package io.vmarena.vm.sim;

import io.vmarena.vm.Errno;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Protection;

/** mmap and munmap of private anonymous memory (kernel-semantics 1.9, 1.11, 1.13). */
final class SimMmap {
    private final SimProcess process;

    SimMmap(final SimProcess process) {
        this.process = process;
    }

    /** @return the address, or a negative errno */
    long mmap(final long address, final long lengthBytes, final Protection protection, final int flags) {
        final boolean fixed = (flags & (MapFlags.FIXED | MapFlags.FIXED_NOREPLACE)) != 0;
        if (lengthBytes == 0 || fixed && (address & process.pageMask) != 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        final long length = process.pageAlign(lengthBytes);
        if (length == 0 || length < 0) {
            return SimProcess.error(Errno.ENOMEM);
        }
        // MM1: do_mmap refuses only above the limit; a new VMA may take the count to max + 1.
        if (process.mapCount() > process.maxMapCount()) {
            return SimProcess.error(Errno.ENOMEM);
        }
        final long start;
        if (fixed) {
            if (!insideBlock(address, length)) {
                // The simulated process owns only its block; the guard refuses such calls first.
                return SimProcess.error(Errno.ENOMEM);
            }
            if ((flags & MapFlags.FIXED_NOREPLACE) != 0 && process.vmas.anyIn(address, address + length)) {
                return SimProcess.error(Errno.EEXIST);
            }
            final long unmapped = process.unmapRange(address, address + length);
            if (unmapped < 0) {
                return unmapped;
            }
            start = address;
        } else {
            start = process.unmappedArea(address, length);
            if (start < 0) {
                return start;
            }
        }
        final Vma vma = new Vma();
        vma.start = start;
        vma.end = start + length;
        vma.protection = protection;
        vma.noReserve = (flags & MapFlags.NORESERVE) != 0;
        vma.account = SimProcess.accountable(protection, vma.noReserve);
        vma.pageOffset = start >>> process.pageShift;
        process.vmas.add(vma);
        process.mergeNewMapping(vma);
        if (protection != Protection.NONE) {
            process.pages.makeVisible(start, start + length);
        }
        return start;
    }

    private boolean insideBlock(final long address, final long length) {
        final long base = process.memory.baseAddress();
        return address >= base && address + length <= base + process.memory.lengthBytes();
    }

    /** @return 0, or a negative errno (kernel-semantics U1, U3) */
    long munmap(final long address, final long lengthBytes) {
        if ((address & process.pageMask) != 0 || lengthBytes == 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        final long length = process.pageAlign(lengthBytes);
        if (length == 0 || Long.compareUnsigned(length, process.profile.taskSizeBytes()) > 0
            || Long.compareUnsigned(address, process.profile.taskSizeBytes() - length) > 0) {
            return SimProcess.error(Errno.EINVAL);
        }
        return process.unmapRange(address, address + length);
    }
}
