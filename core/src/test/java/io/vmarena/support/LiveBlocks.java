package io.vmarena.support;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.FaultObserver;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The model of an arena's live blocks for property tests: each block's handle, the length asked
 * for and the seed of the pattern written into it. Writes every byte of a block, and checks every
 * byte of every live block, so a block that moved, was copied or was overwritten shows at once.
 * On the simulator it reports each write, as a page fault would on Linux.
 */
public final class LiveBlocks {
    private final AddressSpace space;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final List<Block> blocks = new ArrayList<>();

    public LiveBlocks(final AddressSpace space) {
        this.space = space;
    }

    /** A live block: its handle changes when a reallocation moves it. */
    public static final class Block {
        public long handle;
        public long lengthBytes;
        public long seed;

        Block(final long handle, final long lengthBytes, final long seed) {
            this.handle = handle;
            this.lengthBytes = lengthBytes;
            this.seed = seed;
        }
    }

    public List<Block> blocks() {
        return blocks;
    }

    public int size() {
        return blocks.size();
    }

    public Block add(final long handle, final long lengthBytes, final long seed) {
        final Block block = new Block(handle, lengthBytes, seed);
        blocks.add(block);
        return block;
    }

    public Block remove(final int index) {
        return blocks.remove(index);
    }

    /** The byte at {@code offset} of a block written with {@code seed}. */
    public static byte patternByte(final long seed, final long offset) {
        return (byte)(pattern(seed, offset >>> 3) >>> ((offset & 7) << 3));
    }

    private static long pattern(final long seed, final long word) {
        long mixed = seed * 0x9E3779B97F4A7C15L + word * 0xBF58476D1CE4E5B9L;
        mixed ^= mixed >>> 31;
        return mixed * 0x94D049BB133111EBL;
    }

    /** Writes the whole block with its seed's pattern, from {@code fromOffset} on. */
    public void write(final long address, final Block block, final long fromOffset) {
        final long lengthBytes = block.lengthBytes;
        view.wrap(address, (int)Math.min(Integer.MAX_VALUE, lengthBytes));
        long offset = fromOffset;
        while (offset < lengthBytes && (offset & 7) != 0) {
            view.putByte((int)offset, patternByte(block.seed, offset));
            offset++;
        }
        for (; offset + 8 <= lengthBytes; offset += 8) {
            view.putLong((int)offset, pattern(block.seed, offset >>> 3), java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        for (; offset < lengthBytes; offset++) {
            view.putByte((int)offset, patternByte(block.seed, offset));
        }
        if (space instanceof FaultObserver && lengthBytes > fromOffset) {
            ((FaultObserver)space).written(address + fromOffset, lengthBytes - fromOffset);
        }
    }

    /** Checks the first {@code lengthBytes} of a block at {@code address} against {@code seed}'s pattern. */
    public void check(final long address, final long seed, final long lengthBytes, final String what) {
        view.wrap(address, (int)Math.min(Integer.MAX_VALUE, lengthBytes));
        if (space instanceof FaultObserver && lengthBytes > 0) {
            ((FaultObserver)space).read(address, lengthBytes);
        }
        long offset = 0;
        for (; offset + 8 <= lengthBytes; offset += 8) {
            if (view.getLong((int)offset, java.nio.ByteOrder.LITTLE_ENDIAN) != pattern(seed, offset >>> 3)) {
                break;
            }
        }
        for (; offset < lengthBytes; offset++) {
            if (view.getByte((int)offset) != patternByte(seed, offset)) {
                fail(what + ": byte " + offset + " of " + lengthBytes + " differs: " + view.getByte((int)offset)
                    + " where " + patternByte(seed, offset) + " was written");
            }
        }
    }

    /**
     * Checks every byte of every live block, and that no two blocks overlap.
     *
     * @param addressOf the arena's address of a handle
     * @param capacityOf the arena's capacity of a handle
     */
    public void checkAll(final LongUnaryOperator addressOf, final LongUnaryOperator capacityOf, final String step) {
        final List<long[]> ranges = new ArrayList<>();
        for (final Block block : blocks) {
            final long address = addressOf.applyAsLong(block.handle);
            final long capacity = capacityOf.applyAsLong(block.handle);
            assertTrue(capacity >= block.lengthBytes, () -> step + ": capacity " + capacity + " < " + block.lengthBytes);
            assertEquals(0, address & 15, () -> step + ": a block must be 16-byte aligned");
            check(address, block.seed, block.lengthBytes, step + ", block " + Long.toHexString(block.handle));
            ranges.add(new long[] {address, address + capacity});
        }
        ranges.sort(Comparator.comparingLong(range -> range[0]));
        for (int index = 1; index < ranges.size(); index++) {
            final long previousEnd = ranges.get(index - 1)[1];
            final long start = ranges.get(index)[0];
            assertTrue(previousEnd <= start, () -> step + ": two live blocks overlap");
        }
    }
}
