package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.FaultObserver;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The demo's record of every block it allocated: handle, the length asked for, whether it is a
 * large block (a run of segments), and the checksum of the pattern written into it. Blocks are
 * numbered in allocation order; a freed block keeps its number with a zero handle.
 *
 * <p>Every byte of a block is written with a pattern drawn from the block's number and the
 * demo's seed, and its checksum is taken as it is written; {@link #firstDamaged} reads every live
 * block back, so a block that moved, was copied or was overwritten shows at once. On the
 * simulator each write is reported to its {@link FaultObserver}, as a page fault would be on Linux.
 * A block is written and read through windows of at most {@link #WINDOW_BYTES}, since a buffer
 * reaches 2 GiB at most and a large {@code --size} makes blocks larger than that.
 */
final class BlockLedger {
    private static final long MIX = 0x9E3779B97F4A7C15L;
    /** The most one buffer window covers: a multiple of 8, so words fall as they would in one window. */
    static final int WINDOW_BYTES = 1 << 30;
    private static final LongConsumer NO_PROGRESS = bytes -> { };

    private final AddressSpace space;
    private final long seed;
    private final int windowBytes;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer target = new UnsafeBuffer(0, 0);
    private long[] handles = new long[1024];
    private long[] lengths = new long[1024];
    private long[] checksums = new long[1024];
    private boolean[] large = new boolean[1024];
    private int blockCount;
    private int liveCount;

    BlockLedger(final AddressSpace space, final long seed) {
        this(space, seed, WINDOW_BYTES);
    }

    /** With windows of {@code windowBytes}, a multiple of 8: tests make blocks span several without 2 GiB of memory. */
    BlockLedger(final AddressSpace space, final long seed, final int windowBytes) {
        if (windowBytes <= 0 || windowBytes % Long.BYTES != 0) {
            throw new IllegalArgumentException("windowBytes " + windowBytes + " is not a positive multiple of 8");
        }
        this.space = space;
        this.seed = seed;
        this.windowBytes = windowBytes;
    }

    int blockCount() {
        return blockCount;
    }

    int liveCount() {
        return liveCount;
    }

    long handle(final int block) {
        return handles[block];
    }

    long lengthBytes(final int block) {
        return lengths[block];
    }

    boolean isLive(final int block) {
        return handles[block] != 0;
    }

    boolean isLarge(final int block) {
        return large[block];
    }

    /** Records a new block; returns its number. */
    int add(final long handle, final long lengthBytes, final boolean isLarge) {
        if (blockCount == handles.length) {
            final int capacity = blockCount * 2;
            handles = Arrays.copyOf(handles, capacity);
            lengths = Arrays.copyOf(lengths, capacity);
            checksums = Arrays.copyOf(checksums, capacity);
            large = Arrays.copyOf(large, capacity);
        }
        handles[blockCount] = handle;
        lengths[blockCount] = lengthBytes;
        large[blockCount] = isLarge;
        liveCount++;
        return blockCount++;
    }

    /** The block's handle changed: a reallocation moved it. */
    void moved(final int block, final long newHandle) {
        handles[block] = newHandle;
    }

    /** Frees the block in the arena and forgets its handle. */
    void free(final Arena arena, final int block) {
        arena.free(handles[block]);
        handles[block] = 0;
        liveCount--;
    }

    /** Writes every byte of the block with its pattern and keeps the checksum of what was written. */
    void write(final Arena arena, final int block) {
        write(arena, block, NO_PROGRESS);
    }

    /** {@link #write(Arena, int)}, telling {@code writtenBytes} how far it is after each window. */
    void write(final Arena arena, final int block, final LongConsumer writtenBytes) {
        final long address = arena.address(handles[block]);
        final long lengthBytes = lengths[block];
        final long blockSeed = blockSeed(block);
        long checksum = 0;
        for (long windowOffset = 0; windowOffset < lengthBytes; windowOffset += this.windowBytes) {
            final int windowBytes = (int)Math.min(this.windowBytes, lengthBytes - windowOffset);
            view.wrap(address + windowOffset, windowBytes);
            int offset = 0;
            for (; offset + Long.BYTES <= windowBytes; offset += Long.BYTES) {
                final long word = pattern(blockSeed, windowOffset + offset);
                view.putLong(offset, word);
                checksum = fold(checksum, word);
            }
            for (; offset < windowBytes; offset++) {
                final byte tail = (byte)pattern(blockSeed, windowOffset + offset);
                view.putByte(offset, tail);
                checksum = fold(checksum, tail);
            }
            if (space instanceof FaultObserver) {
                ((FaultObserver)space).written(address + windowOffset, windowBytes);
            }
            writtenBytes.accept(windowOffset + windowBytes);
        }
        checksums[block] = checksum;
    }

    /** The first live block whose bytes no longer match their checksum, or -1 when all do. */
    int firstDamaged(final Arena arena) {
        return firstDamaged(arena, NO_PROGRESS);
    }

    /** {@link #firstDamaged(Arena)}, telling {@code checkedBytes} how far it is after each block. */
    int firstDamaged(final Arena arena, final LongConsumer checkedBytes) {
        long checked = 0;
        for (int block = 0; block < blockCount; block++) {
            if (isLive(block)) {
                if (checksumOf(arena, block) != checksums[block]) {
                    return block;
                }
                checked += lengths[block];
                checkedBytes.accept(checked);
            }
        }
        return -1;
    }

    /** The bytes {@link #firstDamaged} reads: the lengths of the live blocks. */
    long liveLengthBytes() {
        long total = 0;
        for (int block = 0; block < blockCount; block++) {
            total += isLive(block) ? lengths[block] : 0;
        }
        return total;
    }

    /**
     * Copies every live block, its whole capacity, into {@code [toAddress, ...)} one after the
     * other, as an allocator that cannot move memory would have to; returns the bytes copied.
     */
    long copyLiveInto(final Arena arena, final long toAddress, final long lengthBytes) {
        long copiedBytes = 0;
        for (int block = 0; block < blockCount; block++) {
            if (!isLive(block)) {
                continue;
            }
            arena.wrap(view, handles[block]);
            final int capacity = view.capacity();
            if (copiedBytes + capacity > lengthBytes) {
                throw new IllegalStateException("the live blocks hold more than the " + lengthBytes
                    + " bytes the arena reported as used");
            }
            target.wrap(toAddress + copiedBytes, capacity);
            target.putBytes(0, view, 0, capacity);
            if (space instanceof FaultObserver) {
                // The capacity past a block's length may never have been written: reading it
                // allocates pages where the kernel has no zero page.
                ((FaultObserver)space).read(view.addressOffset(), capacity);
            }
            copiedBytes += capacity;
        }
        if (space instanceof FaultObserver) {
            ((FaultObserver)space).written(toAddress, copiedBytes);
        }
        return copiedBytes;
    }

    private long checksumOf(final Arena arena, final int block) {
        final long address = arena.address(handles[block]);
        final long lengthBytes = lengths[block];
        long checksum = 0;
        for (long windowOffset = 0; windowOffset < lengthBytes; windowOffset += this.windowBytes) {
            final int windowBytes = (int)Math.min(this.windowBytes, lengthBytes - windowOffset);
            view.wrap(address + windowOffset, windowBytes);
            int offset = 0;
            for (; offset + Long.BYTES <= windowBytes; offset += Long.BYTES) {
                checksum = fold(checksum, view.getLong(offset));
            }
            for (; offset < windowBytes; offset++) {
                checksum = fold(checksum, view.getByte(offset));
            }
        }
        return checksum;
    }

    private long blockSeed(final int block) {
        return mix(seed * MIX + block);
    }

    /** The pattern's word at {@code offset}; a tail byte takes the word's low byte. */
    private static long pattern(final long blockSeed, final long offset) {
        return mix(blockSeed + offset * MIX);
    }

    private static long fold(final long checksum, final long value) {
        return (Long.rotateLeft(checksum, 23) ^ value) * MIX;
    }

    /** SplitMix64's finalizer. */
    private static long mix(final long value) {
        long mixed = (value ^ (value >>> 30)) * 0xBF58476D1CE4E5B9L;
        mixed = (mixed ^ (mixed >>> 27)) * 0x94D049BB133111EBL;
        return mixed ^ (mixed >>> 31);
    }
}
