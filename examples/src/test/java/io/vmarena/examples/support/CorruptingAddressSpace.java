package io.vmarena.examples.support;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A simulated address space whose every mremap damages the first byte it moved, as a broken
 * move would: to prove that a check of the memory after moves notices. The simulator's memory
 * is a plain block, so the write cannot fault.
 */
public final class CorruptingAddressSpace extends ForwardingAddressSpace {
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

    public CorruptingAddressSpace(final SimulatedAddressSpace space) {
        super(space);
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        final long movedTo = super.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
        view.wrap(movedTo, 1);
        view.putByte(0, (byte)~view.getByte(0));
        return movedTo;
    }
}
