package io.vmarena.vm;

import java.util.List;

/** One {@code mremap(MREMAP_MAYMOVE|MREMAP_FIXED)}: the kernel walks the VMAs itself (6.17+). */
final class MultiVmaMove implements RangeMove {
    @Override
    public MoveResult move(final AddressSpace addressSpace, final long fromAddress, final long lengthBytes,
        final long toAddress, final List<Mapping> knownLayout) {
        addressSpace.remap(fromAddress, lengthBytes, lengthBytes, RemapFlags.MAYMOVE | RemapFlags.FIXED, toAddress);
        return new MoveResult(MoveStrategy.MULTI_VMA, 1, knownLayout == null ? -1 : knownLayout.size(), 0);
    }
}
