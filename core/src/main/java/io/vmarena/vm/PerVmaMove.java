package io.vmarena.vm;

import java.util.List;

/**
 * One {@code mremap} per VMA, as every kernel before 6.17 requires. Piece k goes to
 * {@code toAddress + (piece.start - fromAddress)}, so holes are kept and the destination under
 * them is left alone, exactly as a multi-VMA move does (kernel-semantics MV2, MV3).
 */
final class PerVmaMove implements RangeMove {
    private final MoveStrategy strategy;
    private final MappingSource discovery;

    /** @param discovery where to read the boundaries from; null for the caller's known layout */
    PerVmaMove(final MoveStrategy strategy, final MappingSource discovery) {
        this.strategy = strategy;
        this.discovery = discovery;
    }

    @Override
    public MoveResult move(final AddressSpace addressSpace, final long fromAddress, final long lengthBytes,
        final long toAddress, final List<Mapping> knownLayout) {
        final List<Mapping> layout = discovery == null
            ? MoveChecks.requireKnownLayout(knownLayout)
            : addressSpace.mappings(fromAddress, fromAddress + lengthBytes, discovery);
        final long endAddress = fromAddress + lengthBytes;
        MoveChecks.requireVmaAtStart(fromAddress, lengthBytes, toAddress, layout);
        int calls = 0;
        for (final Mapping vma : layout) {
            final long pieceStart = Math.max(vma.startAddress(), fromAddress);
            final long pieceEnd = Math.min(vma.endAddress(), endAddress);
            if (pieceStart >= pieceEnd) {
                continue;
            }
            final long pieceLength = pieceEnd - pieceStart;
            addressSpace.remap(pieceStart, pieceLength, pieceLength, RemapFlags.MAYMOVE | RemapFlags.FIXED,
                toAddress + (pieceStart - fromAddress));
            calls++;
        }
        return new MoveResult(strategy, calls, calls, 0);
    }
}
