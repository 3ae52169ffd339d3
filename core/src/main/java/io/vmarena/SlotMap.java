package io.vmarena;

import java.util.Arrays;

/**
 * The blocks of one class segment: which are free (one bit each, set when free) and, in checked
 * mode, each block's generation. Kept on the heap, never inside the blocks, so a caller who
 * writes to a freed block corrupts nothing of the allocator's, and a page with no live block can
 * be given back without losing any bookkeeping.
 *
 * <p>Allocation takes the lowest free block at or after a cursor word (so a segment fills from
 * its start and its tail pages stay untouched); free sets the block's bit and moves the cursor
 * back if it is lower. A map is reused for another segment of the same class (the arena keeps a
 * pool per class), so the fast path allocates nothing.
 */
final class SlotMap {
    private final int slotCount;
    private final long[] freeBits;
    /** Checked mode only, else null: the generation of each block, 1 to 65,535. */
    private final short[] generations;
    private int cursorWord;
    private int liveCount;
    /** One past the highest block taken since the pages above it were last given back. */
    private int touchedEnd;
    /** The next map in its class's pool. */
    SlotMap nextInPool;

    SlotMap(final int slotCount, final boolean checked) {
        this.slotCount = slotCount;
        freeBits = new long[(slotCount + 63) >>> 6];
        generations = checked ? new short[slotCount] : null;
        if (checked) {
            Arrays.fill(generations, (short)1);
        }
        reset();
    }

    /** Every block free. Generations carry on, so handles from an earlier use stay stale. */
    void reset() {
        Arrays.fill(freeBits, -1L);
        final int tailBits = slotCount & 63;
        if (tailBits != 0) {
            freeBits[freeBits.length - 1] = (1L << tailBits) - 1;
        }
        cursorWord = 0;
        liveCount = 0;
        touchedEnd = 0;
    }

    int slotCount() {
        return slotCount;
    }

    int liveCount() {
        return liveCount;
    }

    boolean isFull() {
        return liveCount == slotCount;
    }

    /** Takes the lowest free block; the caller checks {@link #isFull()} first. */
    int take() {
        int word = cursorWord;
        long bits = freeBits[word];
        while (bits == 0) {
            bits = freeBits[++word];
        }
        cursorWord = word;
        final int bit = Long.numberOfTrailingZeros(bits);
        freeBits[word] = bits & ~(1L << bit);
        liveCount++;
        final int slot = (word << 6) | bit;
        if (slot >= touchedEnd) {
            touchedEnd = slot + 1;
        }
        return slot;
    }

    /** Gives the block back; the caller checked that it is live. Returns the live blocks left. */
    int give(final int slot) {
        final int word = slot >>> 6;
        freeBits[word] |= 1L << slot;
        if (word < cursorWord) {
            cursorWord = word;
        }
        if (generations != null) {
            generations[slot] = (short)HandleCodec.nextGeneration(generations[slot] & HandleCodec.GENERATION_MASK);
        }
        return --liveCount;
    }

    boolean isLive(final int slot) {
        return (freeBits[slot >>> 6] & (1L << slot)) == 0;
    }

    /** The block's generation: 1 when unchecked. */
    int generation(final int slot) {
        return generations == null ? 1 : generations[slot] & HandleCodec.GENERATION_MASK;
    }

    /**
     * Whether a block of {@code [fromSlot, toSlot)} may have been written: one at or below the
     * highest block taken since the pages above it were given back. Pages wholly above it were
     * never touched, or were given back already.
     */
    boolean touched(final int fromSlot, final int toSlot) {
        return fromSlot < touchedEnd && toSlot > fromSlot;
    }

    /** The pages of {@code [fromSlot, toSlot)} were given back; if they were the top ones, lower the mark. */
    void untouch(final int fromSlot, final int toSlot) {
        if (toSlot >= touchedEnd) {
            touchedEnd = fromSlot;
        }
    }

    /** Whether blocks {@code [fromSlot, toSlot)} are all free. */
    boolean allFree(final int fromSlot, final int toSlot) {
        for (int slot = fromSlot; slot < toSlot; slot++) {
            if (isLive(slot)) {
                return false;
            }
        }
        return true;
    }
}
