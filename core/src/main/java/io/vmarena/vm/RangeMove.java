package io.vmarena.vm;

import java.util.List;

/** One way of moving a range; {@link MoveStrategy} names each. */
interface RangeMove {
    /**
     * Moves {@code [fromAddress, fromAddress + lengthBytes)} to {@code toAddress}, after
     * {@link MoveChecks} passed.
     *
     * @param knownLayout the VMAs of the source range when the caller knows them, else null
     */
    MoveResult move(AddressSpace addressSpace, long fromAddress, long lengthBytes, long toAddress,
        List<Mapping> knownLayout);
}
