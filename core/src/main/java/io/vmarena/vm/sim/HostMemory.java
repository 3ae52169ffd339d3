package io.vmarena.vm.sim;

import org.agrona.UnsafeApi;

/**
 * The real memory the simulated process lives in: one block from the JVM, aligned to the
 * simulated page size. The host OS gives its pages lazily, so a large block costs only what is
 * touched. The one class of the simulator that reaches raw memory.
 */
final class HostMemory implements AutoCloseable {
    /** What a stale read finds in memory a move or unmap took away. */
    static final byte POISON = (byte)0xA5;

    private final long rawAddress;
    private final long baseAddress;
    private final long lengthBytes;
    private boolean closed;

    HostMemory(final long lengthBytes, final long alignment) {
        this.rawAddress = UnsafeApi.allocateMemory(lengthBytes + alignment);
        this.baseAddress = (rawAddress + alignment - 1) & -alignment;
        this.lengthBytes = lengthBytes;
    }

    long baseAddress() {
        return baseAddress;
    }

    long lengthBytes() {
        return lengthBytes;
    }

    void zero(final long address, final long length) {
        UnsafeApi.setMemory(address, length, (byte)0);
    }

    void poison(final long address, final long length) {
        UnsafeApi.setMemory(address, length, POISON);
    }

    void copy(final long fromAddress, final long toAddress, final long length) {
        UnsafeApi.copyMemory(fromAddress, toAddress, length);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            UnsafeApi.freeMemory(rawAddress);
        }
    }
}
