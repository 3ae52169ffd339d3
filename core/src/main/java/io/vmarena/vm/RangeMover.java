package io.vmarena.vm;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Moves {@code [fromAddress, fromAddress + lengthBytes)} to {@code toAddress} without copying
 * (except with {@link MoveStrategy#COPY}): the allocator never moves memory any other way.
 *
 * <pre>
 *   source       [A A][B]  hole  [C C C]      (three VMAs and a hole)
 *   destination  [A A][B]  ....  [C C C]      the same layout, shifted; the destination under
 *                                             the hole is left as it was
 * </pre>
 *
 * With {@link MoveStrategy#AUTO} it makes one {@code mremap} for the whole range where the
 * kernel allows moves across VMAs (6.17+), else one per VMA with boundaries from the caller's
 * known layout, PROCMAP_QUERY or {@code /proc/self/maps}, best first. Every strategy fails with
 * the kernel's errno for the same arguments; like the kernel, none rolls back a move that
 * fails part way (kernel-semantics MV8): the pieces before the failure stay moved.
 *
 * <p>Every address into the source range is stale once a move returns.
 */
public final class RangeMover {
    private final AddressSpace addressSpace;
    private final Capabilities capabilities;
    private final Map<MoveStrategy, RangeMove> moves = new EnumMap<>(MoveStrategy.class);

    public RangeMover(final AddressSpace addressSpace) {
        this.addressSpace = addressSpace;
        this.capabilities = addressSpace.capabilities();
        moves.put(MoveStrategy.MULTI_VMA, new MultiVmaMove());
        moves.put(MoveStrategy.PER_VMA_KNOWN, new PerVmaMove(MoveStrategy.PER_VMA_KNOWN, null));
        moves.put(MoveStrategy.PER_VMA_PROC_MAPS, new PerVmaMove(MoveStrategy.PER_VMA_PROC_MAPS,
            MappingSource.PROC_MAPS));
        moves.put(MoveStrategy.PER_VMA_PROCMAP_QUERY, new PerVmaMove(MoveStrategy.PER_VMA_PROCMAP_QUERY,
            MappingSource.PROCMAP_QUERY));
        moves.put(MoveStrategy.COPY, new CopyMove());
    }

    /** Moves the range with {@link MoveStrategy#AUTO}, discovering the VMAs if it has to. */
    public MoveResult move(final long fromAddress, final long lengthBytes, final long toAddress) {
        return move(fromAddress, lengthBytes, toAddress, MoveStrategy.AUTO, null);
    }

    /**
     * Moves the range with {@code strategy}.
     *
     * @param knownLayout the source range's VMAs, in address order, when the caller tracks them
     *     (needed by {@link MoveStrategy#PER_VMA_KNOWN}, used by AUTO to skip discovery); else null
     * @throws VmException with the kernel's errno: EINVAL (unaligned, empty, overlapping), EFAULT
     *     (the range starts in a hole; a move across VMAs on a kernel before 6.17 with MULTI_VMA,
     *     refused before the call, which would unmap the target there),
     *     ENOMEM (vm.max_map_count), EPERM (sealed)
     * @throws UnsupportedOperationException when the kernel lacks what {@code strategy} needs
     * @throws IllegalArgumentException when either range is not the address space's own;
     *     nothing is moved
     */
    public MoveResult move(final long fromAddress, final long lengthBytes, final long toAddress,
        final MoveStrategy strategy, final List<Mapping> knownLayout) {
        requireOwned("source", fromAddress, lengthBytes);
        requireOwned("destination", toAddress, lengthBytes);
        final MoveStrategy resolved = resolve(strategy, knownLayout != null);
        final String missing = resolved.unavailableReason(capabilities);
        if (missing != null && resolved != MoveStrategy.MULTI_VMA) {
            throw new UnsupportedOperationException("cannot move with " + resolved + ": " + missing
                + "; use MoveStrategy.AUTO");
        }
        if (resolved == MoveStrategy.MULTI_VMA) {
            // One call: the kernel makes every check and rounds the length itself.
            return moves.get(resolved).move(addressSpace, fromAddress, lengthBytes, toAddress, knownLayout);
        }
        // Piecewise strategies make the kernel's up-front checks themselves, so that every
        // strategy fails alike, and work in whole pages, as the kernel does.
        MoveChecks.requireValidRange(addressSpace.pageSize(), fromAddress, lengthBytes, toAddress);
        final long pageLength = (lengthBytes + addressSpace.pageSize() - 1) & -addressSpace.pageSize();
        return moves.get(resolved).move(addressSpace, fromAddress, pageLength, toAddress, knownLayout);
    }

    /**
     * Refuses, before anything moves, a range that is not wholly the address space's: piecewise
     * strategies would otherwise move the pieces before the first foreign one.
     */
    private void requireOwned(final String which, final long address, final long lengthBytes) {
        if (lengthBytes > 0 && !addressSpace.owns(address, lengthBytes)) {
            throw new IllegalArgumentException("cannot move: the " + which + " range [" + SyscallText.hex(address)
                + ", +" + lengthBytes + ") is not memory this address space mapped");
        }
    }

    /** The strategy AUTO stands for on this address space; any other strategy unchanged. */
    public MoveStrategy resolve(final MoveStrategy strategy, final boolean layoutKnown) {
        if (strategy != MoveStrategy.AUTO) {
            return strategy;
        }
        if (capabilities.multiVmaMove().available()) {
            return MoveStrategy.MULTI_VMA;
        }
        if (layoutKnown) {
            return MoveStrategy.PER_VMA_KNOWN;
        }
        return capabilities.procmapQuery().available()
            ? MoveStrategy.PER_VMA_PROCMAP_QUERY
            : MoveStrategy.PER_VMA_PROC_MAPS;
    }
}
