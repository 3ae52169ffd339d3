package io.vmarena.vm;

import org.agrona.UnsafeApi;

/**
 * Raw memory access for the few places in core that copy bytes between mapped ranges. The one
 * class of io.vmarena.vm that reaches Agrona's Unsafe facade; callers check that both ranges
 * are mapped readable and writable before they call.
 */
final class Memory {
    private Memory() {
    }

    static void copy(final long fromAddress, final long toAddress, final long lengthBytes) {
        UnsafeApi.copyMemory(fromAddress, toAddress, lengthBytes);
    }
}
