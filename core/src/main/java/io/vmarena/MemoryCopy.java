package io.vmarena;

import io.vmarena.vm.FaultObserver;
import org.agrona.UnsafeApi;

/**
 * Copies bytes between two blocks of an arena (reallocation of small blocks, evacuation,
 * packing), and between a block and a caller's array or buffer ({@link Arena#put},
 * {@link Arena#get}). The one class of io.vmarena that reaches Agrona's Unsafe facade; callers
 * pass addresses of live blocks, whose segments are committed read-write, and ranges they have
 * checked.
 */
final class MemoryCopy {
    private MemoryCopy() {
    }

    /**
     * Copies one block into another inside the arena (reallocation, evacuation, packing) and, for
     * an address space that cannot see the CPU's faults ({@code observer}, null for a kernel),
     * reports the source read and the destination written, as a caller's get and put are: the
     * copy faults the destination's pages in wherever they were given back or never touched, and
     * the arena's account of residency counts them, so the simulator must count them too.
     */
    static void copyBlock(final FaultObserver observer, final long fromAddress, final long toAddress,
        final long lengthBytes) {
        if (observer != null) {
            observer.read(fromAddress, lengthBytes);
        }
        UnsafeApi.copyMemory(fromAddress, toAddress, lengthBytes);
        if (observer != null) {
            observer.written(toAddress, lengthBytes);
        }
    }

    /**
     * Copies between an object's bytes and memory at an address: a base of null means the offset
     * is an absolute address, else it is an offset into the object (Agrona's
     * {@code byteArray()}/{@code addressOffset()} pair, or an array's base offset plus an index).
     * Overlapping ranges are copied as if through a temporary buffer.
     */
    static void copy(final Object fromBase, final long fromOffset, final Object toBase, final long toOffset,
        final long lengthBytes) {
        UnsafeApi.copyMemory(fromBase, fromOffset, toBase, toOffset, lengthBytes);
    }
}
