package io.vmarena.support;

import io.vmarena.vm.sim.SimulatedAddressSpace;

/**
 * A simulated address space seen through a subclass that changes a call or two (to fail, or to
 * damage what a move moved), so tests can show what callers do then: core's
 * {@link io.vmarena.vm.ForwardingAddressSpace} over a simulator, which subclasses reach as
 * {@link #space} (to read its state, or to act on it behind the arena's back).
 */
public abstract class ForwardingAddressSpace extends io.vmarena.vm.ForwardingAddressSpace {
    protected final SimulatedAddressSpace space;

    protected ForwardingAddressSpace(final SimulatedAddressSpace space) {
        super(space);
        this.space = space;
    }
}
