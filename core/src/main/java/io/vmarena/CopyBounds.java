package io.vmarena;

import java.nio.ByteBuffer;

/**
 * The bounds of {@link Arena#put} and {@link Arena#get}: the caller's range of its array or
 * buffer, and the range of the block. Each check is one branch; the message, which names every
 * number, is built only when the check fails.
 */
final class CopyBounds {
    private CopyBounds() {
    }

    /**
     * Refuses a range {@code [index, index + length)} that is not inside the caller's
     * {@code capacity} bytes (an array's length, a buffer's capacity).
     *
     * @param operation "put" or "get"
     * @param role "source" or "destination", the parameter the range belongs to
     * @throws IndexOutOfBoundsException naming the numbers; nothing was copied
     */
    static void checkCaller(final String operation, final String role, final String arenaName, final int capacity,
        final int index, final int length) {
        if ((index | length) < 0 || (long)capacity - index < length) { // in long: no int overflow
            throw new IndexOutOfBoundsException(operation + " in arena '" + arenaName + "': " + role + "Offset "
                + index + " and length " + length + " do not fit the " + role + "'s " + capacity + " bytes ("
                + role + "Offset and length must not be negative, and " + role + "Offset + length, "
                + ((long)index + length) + ", must be at most " + capacity + "); nothing was copied");
        }
    }

    /**
     * Refuses a range {@code [offset, offset + length)} that is not inside the block's
     * {@code capacityBytes}; {@code length} is known not to be negative.
     *
     * @throws IndexOutOfBoundsException naming the numbers; nothing was copied
     */
    static void checkBlock(final String operation, final long handle, final String arenaName,
        final long capacityBytes, final long offset, final int length) {
        if (offset < 0 || offset > capacityBytes - length) { // capacity - length cannot overflow: both small
            throw new IndexOutOfBoundsException(operation + "(" + handle + ") in arena '" + arenaName + "': offset "
                + offset + " and length " + length + " do not fit the block's " + capacityBytes + " bytes (its "
                + "capacity: offset must not be negative, and offset + length must be at most " + capacityBytes
                + "); nothing was copied");
        }
    }

    /**
     * Refuses a destination that wraps a read-only {@link ByteBuffer}: a file mapped
     * {@code READ_ONLY} is a PROT_READ page, and a copy into it is a SIGSEGV that ends the JVM
     * (Unsafe turns only SIGBUS into an error); a read-only heap buffer would be written behind
     * its back. A buffer over a raw address cannot be told apart, and is the caller's.
     *
     * @param wrapped the destination's {@code byteBuffer()}, null when it wraps none
     * @throws IllegalArgumentException saying so; nothing was copied
     */
    static void checkWritable(final String operation, final long handle, final String arenaName,
        final ByteBuffer wrapped) {
        if (wrapped != null && wrapped.isReadOnly()) {
            throw new IllegalArgumentException(operation + "(" + handle + ") in arena '" + arenaName + "': the "
                + "destination wraps a read-only ByteBuffer (" + wrapped.getClass().getSimpleName() + "), which a "
                + "copy must not write (into a file mapped READ_ONLY it would crash the JVM): give a buffer over "
                + "writable memory; nothing was copied");
        }
    }
}
