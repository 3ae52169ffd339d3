package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the arena contracts share, on every address space: a fresh address space per test, given
 * by the subclass (the simulator, or this machine's kernel), released after it, and a segment
 * size of 64 KiB or four pages, whichever is larger, so that growth, runs and moves all happen
 * within a few megabytes whatever the page size.
 */
public abstract class ArenaFixture {
    protected AddressSpace space;
    protected long segmentBytes;
    /** The simulated kernel a subclass runs on ({@link #simulate}), or null: it gives its own address space. */
    private KernelProfile simulated;

    /** Runs the contract on a fresh simulator per test, of {@code profile}: call it from the subclass's constructor. */
    protected final void simulate(final KernelProfile profile) {
        simulated = profile;
    }

    /** The address space under test; called once per test. By default the simulator of {@link #simulate}. */
    protected AddressSpace addressSpace() {
        if (simulated == null) {
            throw new IllegalStateException(getClass().getName() + " gives no address space: override addressSpace() "
                + "or call simulate(profile) in its constructor");
        }
        return new SimulatedAddressSpace(simulated);
    }

    /** Called after each test: a simulator frees its memory here. */
    protected void release(final AddressSpace addressSpace) {
        if (addressSpace instanceof SimulatedAddressSpace) {
            ((SimulatedAddressSpace)addressSpace).close();
        }
    }

    @BeforeEach
    void openAddressSpace() {
        space = addressSpace();
        segmentBytes = Math.max(64L << 10, 4 * space.pageSize());
    }

    @AfterEach
    void releaseAddressSpace() {
        release(space);
    }
}
