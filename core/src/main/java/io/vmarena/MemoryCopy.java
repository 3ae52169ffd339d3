package io.vmarena;

import org.agrona.UnsafeApi;

/**
 * Copies bytes between two blocks of an arena (reallocation of small blocks). The one class of
 * io.vmarena that reaches Agrona's Unsafe facade; callers pass addresses of live blocks, whose
 * segments are committed read-write.
 */
final class MemoryCopy {
    private MemoryCopy() {
    }

    static void copy(final long fromAddress, final long toAddress, final long lengthBytes) {
        UnsafeApi.copyMemory(fromAddress, toAddress, lengthBytes);
    }
}
