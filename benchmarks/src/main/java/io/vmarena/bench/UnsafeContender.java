package io.vmarena.bench;

import org.agrona.UnsafeApi;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@code Unsafe.allocateMemory} and {@code freeMemory} (malloc and free behind the JVM's native
 * memory tracking), reached through Agrona's {@link UnsafeApi} facade: the floor a hand-rolled
 * off-heap structure starts from.
 */
final class UnsafeContender extends Contender {
    private long[] addresses = new long[0];

    @Override
    void allocateAndFree(final int lengthBytes, final Blackhole blackhole) {
        final long address = UnsafeApi.allocateMemory(lengthBytes);
        UnsafeApi.freeMemory(address);
        blackhole.consume(address);
    }

    @Override
    void ring(final int slotCount) {
        addresses = new long[slotCount];
    }

    @Override
    void replace(final int slot, final int lengthBytes) {
        UnsafeApi.freeMemory(addresses[slot]); // freeMemory(0) does nothing
        addresses[slot] = UnsafeApi.allocateMemory(lengthBytes);
    }

    @Override
    public void close() {
        for (final long address : addresses) {
            UnsafeApi.freeMemory(address);
        }
        addresses = new long[0];
    }
}
