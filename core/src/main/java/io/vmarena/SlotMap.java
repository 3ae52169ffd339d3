package io.vmarena;

import java.util.Arrays;

/**
 * The blocks of one class segment: which are free (one bit each, set when free) and, in checked
 * mode, each block's generation. Kept on the heap, never inside the blocks, so a caller who
 * writes to a freed block corrupts nothing of the allocator's, and a page with no live block can
 * be given back without losing any bookkeeping.
 *
 * <p>Generations: the segment has a <em>floor</em>, the generation every block starts at in this
 * use of the segment, and each block keeps in checked mode a 16-bit <em>offset</em> from it (2
 * bytes per block, as a 16-bit generation cost), moved on by one at every free. A block's
 * generation is floor + offset in the codec's cycle of 2^G - 1. A slot whose offset reaches
 * {@link #retiredOffset} (65,535, or 2^G - 1 if that is less) is <em>retired</em> instead of
 * wrapping: it is neither free nor live, never handed out again in this use, and no handle
 * matches it; so within one use of a segment no slot hands out the same generation twice. When
 * the segment is given back, {@link #nextFloor} (past every generation it handed out) seeds its
 * next use and its retired slots come back. Unchecked, there are no offsets: every block has the
 * floor's generation and no slot retires.
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
    private final HandleCodec codec;
    private final int retiredOffset;
    private final long[] freeBits;
    /** Checked mode only, else null: each block's generation as an offset from {@link #floor}. */
    private final char[] offsets;
    private final int pageShift;
    /**
     * Pages given back by trim since a block in them was last taken, one bit each, in this use or
     * (holes its place carried, {@link #tradeReleased}) the last one; null until the first.
     */
    private long[] releasedPages;
    private int releasedCount;
    /** The generation every block starts at in this use of the segment. */
    private int floor;
    /**
     * The handle of a block at offset 0: {@link #handleBase} with the floor as generation. A
     * block's handle is this plus its offset shifted into the generation, plus its slot, as long
     * as the offset is below {@link #plainOffsetLimit}.
     */
    private long floorHandle;
    /**
     * min(retired offset, 2^G - floor): offsets below it are neither retired nor past the end of
     * the generation cycle, so their generation is floor + offset with no wrap.
     */
    private int plainOffsetLimit;
    private int cursorWord;
    private int liveCount;
    /** Blocks not retired (in this use): the map is full when that many are live. */
    private int capacity;
    /** One past the highest block taken since the map was reset: pages above it were never written. */
    private int touchedEnd;
    /**
     * The pages, from the segment's start, that may be in memory from before this use: those an
     * earlier use of its place may have touched (it was retained), or all of them once populated;
     * 0 when the place was fresh (never committed, decommitted or given back) when this use began.
     * What {@link #residentPageCount} counts besides the pages this use touched, less the holes
     * trim made in the earlier use ({@link #tradeReleased}).
     */
    private int priorPageCount;
    /** The id of the segment it describes, while it describes one: what its blocks' handles carry. */
    int segmentIndex;
    /**
     * Where that segment is in the range now (its place): compaction changes it, never the id.
     * The address fast path reads it from here, so a segment's move costs that path no load.
     */
    int place;
    /** The handle bits common to its blocks: the arena's tag and the segment index. */
    long handleBase;
    /** Whether it is its class's current map (kept when it empties). */
    boolean current;
    /** The next map in its class's pool. */
    SlotMap nextInPool;

    SlotMap(final int sizeClass, final int slotCount, final boolean checked, final HandleCodec codec,
        final long pageSize) {
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
        this.sizeClass = sizeClass;
        this.blockBytes = SizeClasses.bytesOf(sizeClass);
        this.slotCount = slotCount;
        this.codec = codec;
        this.generationShift = codec.generationShift();
        this.retiredOffset = retiredOffset(codec);
        freeBits = new long[(slotCount + 63) >>> 6];
        offsets = checked ? new char[slotCount] : null;
        reset();
    }

    /** The offset at which a slot retires: 65,535 (a char's last value), or 2^G - 1 if less, so one use never wraps. */
    static int retiredOffset(final HandleCodec codec) {
        return Math.min(Character.MAX_VALUE, codec.maxGeneration());
    }

    /**
     * Every block's generation starts at {@code floorGeneration}, which the segment table keeps
     * past every generation the segment handed out before, so that no handle from an earlier use
     * of the segment (a run, or blocks of another class) matches, up to the cycle of 2^G - 1.
     * {@code handleBase} holds the handle bits common to the blocks: tag and segment index.
     */
    void seed(final int segmentIndex, final int place, final long handleBase, final int floorGeneration) {
        this.segmentIndex = segmentIndex;
        this.place = place;
        this.handleBase = handleBase;
        floor = floorGeneration;
        floorHandle = handleBase | (long)floorGeneration << generationShift;
        plainOffsetLimit = Math.min(retiredOffset, codec.maxGeneration() - floorGeneration + 1);
        if (offsets != null) {
            Arrays.fill(offsets, (char)0);
        }
    }

    /**
     * The floor of the segment's next use, once every block is free: past every generation this
     * use handed out (each free moved its block's offset on, a retired slot's to the retired
     * offset, which no handle has), or one past the floor when unchecked.
     */
    int nextFloor() {
        return codec.advance(floor, offsets == null ? 1 : maxOffset());
    }

    /**
     * The highest offset of any block: found when the segment is given back (once per use, like
     * seed's fill), not kept up to date by every free. Blocks at or past touchedEnd were never
     * taken, so theirs is 0.
     */
    private int maxOffset() {
        int maxOffset = 0;
        for (int slot = 0; slot < touchedEnd; slot++) {
            maxOffset = Math.max(maxOffset, offsets[slot]);
        }
        return maxOffset;
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
        capacity = slotCount;
        touchedEnd = 0;
        priorPageCount = 0;
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

    /**
     * The handle of block {@code slot} (0 to slotCount - 1): segment, slot and the block's
     * current generation. For a retired slot, a value whose slot bits are another slot's, so
     * that no handle of this slot equals it, whatever its other bits: the fast paths compare a
     * handle with this, once.
     */
    long handle(final int slot) {
        final char[] offsets = this.offsets;
        if (offsets == null) {
            return floorHandle | slot;
        }
        final int offset = offsets[slot];
        if (offset < plainOffsetLimit) {
            return floorHandle + ((long)offset << generationShift) | slot; // the floor's bits plus the offset: no carry
        }
        return wrappedOrRetiredHandle(slot, offset);
    }

    private long wrappedOrRetiredHandle(final int slot, final int offset) {
        if (offset == retiredOffset) {
            return handleBase | (slot ^ 1);
        }
        return handleBase | (long)codec.advance(floor, offset) << generationShift | slot;
    }

    int liveCount() {
        return liveCount;
    }

    /** Blocks that are not retired in this use: live ones plus those that can be taken. */
    int capacity() {
        return capacity;
    }

    /** One past the highest block taken in this use: no block at or above it is live. */
    int touchedEnd() {
        return touchedEnd;
    }

    /**
     * The segment's pages that may be in memory: those from its start up to the higher of the
     * last block taken in this use and what its place held before ({@link #keepPrior}), less
     * the pages trim gave back and no block was taken in since (in this use, or in the last one
     * of its place: all below that end). An upper bound, exact when every byte of every block
     * taken was written; no system call.
     */
    int residentPageCount() {
        return residentPageEnd() - releasedCount;
    }

    /** One past the last page that may be in memory: the higher of the prior pages and the touched ones. */
    int residentPageEnd() {
        final int touchedPages = (int)(((long)touchedEnd * blockBytes + (1L << pageShift) - 1) >>> pageShift);
        return Math.max(priorPageCount, touchedPages);
    }

    /** This use began on a place whose first {@code pageCount} pages may be in memory already. */
    void keepPrior(final int pageCount) {
        priorPageCount = pageCount;
    }

    /**
     * Every page of the segment ({@code pageCount}) was made resident (populated, or locked by a
     * plain mlock): none is given back any more until trim gives it back again.
     */
    void populated(final int pageCount) {
        priorPageCount = pageCount;
        if (releasedPages != null) {
            Arrays.fill(releasedPages, 0);
            releasedCount = 0;
        }
    }

    /**
     * Trades its record of the pages trim gave back for {@code holes}, which holds
     * {@code holeCount} such pages (an earlier use's, on the place this use begins on) or, with
     * 0, is stale and is cleared; returns its own record, which its place keeps while it is
     * retained. Null is no record. The arrays only change hands between maps and places, all of
     * one length in an arena (its segments' pages): retiring a segment allocates nothing.
     */
    long[] tradeReleased(final long[] holes, final int holeCount) {
        final long[] own = releasedPages;
        releasedPages = holes;
        releasedCount = holes == null ? 0 : holeCount;
        if (holes != null && holeCount == 0) {
            Arrays.fill(holes, 0);
        }
        return own;
    }

    /** Whether no block can be taken: each is live or retired. */
    boolean isFull() {
        return liveCount == capacity;
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
        touchedEnd = Math.max(touchedEnd, slot + 1); // a conditional move, not a branch
        if (releasedCount > 0) {
            unrelease(slot);
        }
        return slot;
    }

    /**
     * Gives the block back, if it is live; returns the live blocks left, or -1 when the block
     * was free or retired already (nothing changes). In checked mode the block's generation
     * moves on; a block whose offset reaches the retired offset retires instead of becoming free.
     */
    int give(final int slot) {
        final int word = slot >>> 6;
        final long bits = freeBits[word];
        final long bit = 1L << slot;
        if ((bits & bit) != 0) {
            return -1; // already free
        }
        final char[] offsets = this.offsets;
        if (offsets != null) {
            final int offset = offsets[slot] + 1;
            if (offset >= retiredOffset) { // one compare on the fast path for both rare cases
                if (offset > retiredOffset) {
                    return -1; // retired already
                }
                offsets[slot] = (char)offset; // retires: its free bit stays clear, so take() never finds it
                capacity--;
                return --liveCount; // no call: a call here would bring the caller's exception paths in
            }
            offsets[slot] = (char)offset;
        }
        freeBits[word] = bits | bit; // one load of the word, not two: the fast path waits on it
        cursorWord = Math.min(cursorWord, word);
        return --liveCount;
    }

    /**
     * The highest live block below {@code end} (at most {@link #slotCount()}), or -1: a scan of
     * the free bits down, a word at a time, past retired slots (taken, never live).
     */
    int highestLive(final int end) {
        if (end <= 0) {
            return -1;
        }
        final int lastWord = (end - 1) >>> 6;
        for (int word = lastWord; word >= 0; word--) {
            long taken = ~freeBits[word];
            if (word == lastWord && (end & 63) != 0) {
                taken &= (1L << end) - 1; // slots at or past end are not asked about
            }
            while (taken != 0) {
                final int bit = 63 - Long.numberOfLeadingZeros(taken);
                final int slot = (word << 6) | bit;
                if (!isRetired(slot)) {
                    return slot;
                }
                taken &= ~(1L << bit);
            }
        }
        return -1;
    }

    /** The block {@link #take()} would take next, the lowest free one, or -1 when the map is full. */
    int lowestFree() {
        if (isFull()) {
            return -1;
        }
        int word = cursorWord;
        while (freeBits[word] == 0) {
            word++;
        }
        return (word << 6) | Long.numberOfTrailingZeros(freeBits[word]);
    }

    /** Whether the block is live: taken and not given back (a retired block is not). */
    boolean isLive(final int slot) {
        return (freeBits[slot >>> 6] & (1L << slot)) == 0 && !isRetired(slot);
    }

    /** Whether the free bit is clear: live, or retired (the fast paths rule that out by the generation). */
    boolean isTaken(final int slot) {
        return (freeBits[slot >>> 6] & (1L << slot)) == 0;
    }

    /** Whether the slot retired in this use of the segment: checked mode only. */
    boolean isRetired(final int slot) {
        return offsets != null && offsets[slot] == retiredOffset;
    }

    /**
     * The block's generation, 1 to 2^G - 1: the floor when unchecked; 0 for a retired slot, so
     * that no handle (none has generation 0) matches it.
     */
    int generation(final int slot) {
        if (offsets == null) {
            return floor;
        }
        final int offset = offsets[slot];
        return offset == retiredOffset ? 0 : codec.advance(floor, offset);
    }

    /** The generation of the last handle a retired slot handed out. */
    int lastGeneration() {
        return codec.advance(floor, retiredOffset - 1);
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

    /** Whether no block of {@code [fromSlot, toSlot)} is live (free or retired: no one writes them). */
    boolean allFree(final int fromSlot, final int toSlot) {
        for (int slot = fromSlot; slot < toSlot; slot++) {
            if (isLive(slot)) {
                return false;
            }
        }
        return true;
    }
}
