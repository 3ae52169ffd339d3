package io.vmarena;

import io.vmarena.vm.AddressSpace;
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

    /** The address space under test; called once per test. */
    protected abstract AddressSpace addressSpace();

    /** Called after each test: a simulator frees its memory here. */
    protected void release(final AddressSpace addressSpace) {
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
