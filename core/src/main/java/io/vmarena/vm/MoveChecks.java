package io.vmarena.vm;

import java.util.List;

/**
 * The checks a multi-VMA {@code mremap} makes before it moves anything, made in the same order
 * by the strategies that move piece by piece, so that every {@link MoveStrategy} fails with the
 * same errno for the same arguments and leaves the same state behind.
 */
final class MoveChecks {
    private MoveChecks() {
    }

    /** kernel-semantics P2, P3, P7 and P10: alignment, empty length, overlap. */
    static void requireValidRange(final long pageSize, final long fromAddress, final long lengthBytes,
        final long toAddress) {
        final long pageMask = pageSize - 1;
        if ((fromAddress & pageMask) != 0 || (toAddress & pageMask) != 0) {
            throw failure(fromAddress, lengthBytes, toAddress, Errno.EINVAL,
                "source and destination must be page aligned (page size " + pageSize + ")");
        }
        if (lengthBytes <= 0) {
            throw failure(fromAddress, lengthBytes, toAddress, Errno.EINVAL, "the length must be positive");
        }
        final long roundedLength = (lengthBytes + pageMask) & ~pageMask;
        if (fromAddress < toAddress + roundedLength && toAddress < fromAddress + roundedLength) {
            throw failure(fromAddress, lengthBytes, toAddress, Errno.EINVAL,
                "source and destination overlap; move through a free range in two steps");
        }
    }

    /** kernel-semantics MV4 and MV5: the range must start inside a VMA. */
    static void requireVmaAtStart(final long fromAddress, final long lengthBytes, final long toAddress,
        final List<Mapping> layout) {
        for (final Mapping vma : layout) {
            if (vma.startAddress() <= fromAddress && fromAddress < vma.endAddress()) {
                return;
            }
        }
        throw failure(fromAddress, lengthBytes, toAddress, Errno.EFAULT,
            "no VMA at the start of the source range (it starts in a hole); nothing was moved");
    }

    static List<Mapping> requireKnownLayout(final List<Mapping> knownLayout) {
        if (knownLayout == null) {
            throw new IllegalArgumentException("MoveStrategy.PER_VMA_KNOWN needs the source's VMAs: pass them as "
                + "knownLayout, or use AUTO, PER_VMA_PROC_MAPS or PER_VMA_PROCMAP_QUERY to discover them");
        }
        return knownLayout;
    }

    static VmException failure(final long fromAddress, final long lengthBytes, final long toAddress,
        final Errno errno, final String hint) {
        return new VmException("mremap", "0x" + Long.toHexString(fromAddress) + ", " + lengthBytes + ", "
            + lengthBytes + ", MREMAP_MAYMOVE|MREMAP_FIXED, 0x" + Long.toHexString(toAddress), errno, hint);
    }
}
