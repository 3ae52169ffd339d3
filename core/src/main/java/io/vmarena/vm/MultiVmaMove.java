package io.vmarena.vm;

import java.util.List;

/**
 * One {@code mremap(MREMAP_MAYMOVE|MREMAP_FIXED)}: the kernel walks the VMAs itself (6.17+).
 *
 * <p>On a kernel without multi-VMA moves a range of one VMA still moves in that one call, but a
 * range across VMAs is refused here with the kernel's EFAULT, before the call: Linux 6.1's
 * mremap_to unmaps a FIXED target before it finds that the source spans VMAs, so the call
 * would fail having destroyed the target (the caller's reservation) and moved nothing
 * (measured in .ci/old-kernel's VM).
 */
final class MultiVmaMove implements RangeMove {
    @Override
    public MoveResult move(final AddressSpace addressSpace, final long fromAddress, final long lengthBytes,
        final long toAddress, final List<Mapping> knownLayout) {
        if (!addressSpace.capabilities().multiVmaMove().available()) {
            refuseAcrossVmas(addressSpace, fromAddress, lengthBytes, toAddress);
        }
        addressSpace.remap(fromAddress, lengthBytes, lengthBytes, RemapFlags.MAYMOVE | RemapFlags.FIXED, toAddress);
        return new MoveResult(MoveStrategy.MULTI_VMA, 1, knownLayout == null ? -1 : knownLayout.size(), 0);
    }

    private static void refuseAcrossVmas(final AddressSpace addressSpace, final long fromAddress,
        final long lengthBytes, final long toAddress) {
        final long pageSize = addressSpace.pageSize();
        final long endAddress = fromAddress + ((lengthBytes + pageSize - 1) & -pageSize);
        if (lengthBytes <= 0 || endAddress <= fromAddress) {
            return; // the kernel's own checks answer (EINVAL) before it unmaps anything
        }
        final List<Mapping> layout = addressSpace.mappings(fromAddress, endAddress, MappingSource.PROC_MAPS);
        final boolean oneVma = layout.size() == 1 && layout.get(0).startAddress() <= fromAddress
            && layout.get(0).endAddress() >= endAddress;
        if (!oneVma) {
            throw MoveChecks.failure(fromAddress, lengthBytes, toAddress, Errno.EFAULT, "the range spans "
                + layout.size() + " VMAs or a hole, and this kernel moves one VMA per mremap ("
                + addressSpace.capabilities().multiVmaMove().reason() + "); refused before the call, which would "
                + "unmap the target first; nothing was moved. Use MoveStrategy.AUTO");
        }
    }
}
