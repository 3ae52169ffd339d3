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
    private final int sizeClass;
    private final long blockBytes;
    private final int generationShift;
    private final long[] freeBits;
    /** Checked mode only, else null: the generation of each block, 1 to 65,535. */
    private final short[] generations;
    private final int pageShift;
    /** Pages given back by trim since a block in them was last taken, one bit each; null until the first. */
    private long[] releasedPages;
    private int releasedCount;
    private int maxGeneration;
    private int cursorWord;
    private int liveCount;
    /** One past the highest block taken since the map was reset: pages above it were never written. */
    private int touchedEnd;
    /** The segment it describes, while it describes one. */
    int segmentIndex;
    /** The handle bits common to its blocks: the arena's tag and the segment index. */
    long handleBase;
    /** Whether it is its class's current map (kept when it empties). */
    boolean current;
    /** The next map in its class's pool. */
    SlotMap nextInPool;

    SlotMap(final int sizeClass, final int slotCount, final boolean checked, final int generationShift,
        final long pageSize) {
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
        this.sizeClass = sizeClass;
        this.blockBytes = SizeClasses.bytesOf(sizeClass);
        this.slotCount = slotCount;
        this.generationShift = generationShift;
        freeBits = new long[(slotCount + 63) >>> 6];
        generations = checked ? new short[slotCount] : null;
        reset();
    }

    /**
     * Checked mode: every block's generation starts at {@code generation}, which the segment
     * table keeps past every generation the segment handed out before, so that no handle from
     * an earlier use of the segment (a run, or blocks of another class) matches.
     */
    void seed(final int generation) {
        Arrays.fill(generations, (short)generation);
        maxGeneration = generation;
    }

    /**
     * The highest generation of any block; once every block is free it is past every
     * generation handed out (each free moved its block's on), so it seeds the segment's next use.
     */
    int maxGeneration() {
        return maxGeneration;
    }

    /** Every block free. */
    void reset() {
        Arrays.fill(freeBits, -1L);
        final int tailBits = slotCount & 63;
        if (tailBits != 0) {
            freeBits[freeBits.length - 1] = (1L << tailBits) - 1;
        }
        cursorWord = 0;
        liveCount = 0;
        touchedEnd = 0;
        if (releasedPages != null) {
            Arrays.fill(releasedPages, 0);
            releasedCount = 0;
        }
    }

    int slotCount() {
        return slotCount;
    }

    int sizeClass() {
        return sizeClass;
    }

    long blockBytes() {
        return blockBytes;
    }

    /** The handle of block {@code slot}: segment, slot and the block's current generation. */
    long handle(final int slot) {
        return handleBase | ((long)generation(slot) << generationShift) | slot;
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
        if (releasedCount > 0) {
            unrelease(slot);
        }
        return slot;
    }

    /**
     * Gives the block back, if it is live; returns the live blocks left, or -1 when the block
     * was free already (nothing changes).
     */
    int give(final int slot) {
        final int word = slot >>> 6;
        final long bits = freeBits[word];
        final long bit = 1L << slot;
        if ((bits & bit) != 0) {
            return -1; // already free
        }
        freeBits[word] = bits | bit; // one load of the word, not two: the fast path waits on it
        if (word < cursorWord) {
            cursorWord = word;
        }
        if (generations != null) {
            final int generation = HandleCodec.nextGeneration(generations[slot] & HandleCodec.GENERATION_MASK);
            generations[slot] = (short)generation;
            if (generation > maxGeneration) {
                maxGeneration = generation;
            }
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

    /** Whether a block of {@code [fromSlot, toSlot)} was ever taken since the map was reset. */
    boolean touched(final int fromSlot, final int toSlot) {
        return fromSlot < touchedEnd && toSlot > fromSlot;
    }

    /** Whether page {@code pageIndex} of the segment was given back and no block in it taken since. */
    boolean isReleased(final int pageIndex) {
        return releasedPages != null && (releasedPages[pageIndex >>> 6] & (1L << pageIndex)) != 0;
    }

    /** Page {@code pageIndex} of {@code pageCount} was given back. */
    void markReleased(final int pageIndex, final int pageCount) {
        if (releasedPages == null) {
            releasedPages = new long[(pageCount + 63) >>> 6];
        }
        releasedPages[pageIndex >>> 6] |= 1L << pageIndex;
        releasedCount++;
    }

    /** A block is taken: the pages it covers will be written again. */
    private void unrelease(final int slot) {
        final int firstPage = (int)((slot * blockBytes) >>> pageShift);
        final int lastPage = (int)(((slot + 1) * blockBytes - 1) >>> pageShift);
        for (int pageIndex = firstPage; pageIndex <= lastPage; pageIndex++) {
            final long bit = 1L << pageIndex;
            if ((releasedPages[pageIndex >>> 6] & bit) != 0) {
                releasedPages[pageIndex >>> 6] &= ~bit;
                releasedCount--;
            }
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
