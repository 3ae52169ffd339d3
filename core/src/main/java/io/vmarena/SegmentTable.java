package io.vmarena;

import java.util.Arrays;

/**
 * What each segment of an arena is, in primitive arrays indexed by segment, so that looking a
 * handle up allocates nothing and touches no object but the arrays:
 *
 * <pre>
 *  state     FREE | CLASS | RUN_HEAD | RUN_BODY | UNUSABLE
 *  detail    CLASS: size class;  RUN_HEAD: run length in segments;  RUN_BODY: the head's index
 *  flags     COMMITTED (mapped read-write)  RETAINED (free, and its pages may still be resident)
 *  slotMaps  CLASS: the blocks' bitmap and generations
 *  generation  the segment's floor: the generation a run starting here gets, and the first
 *            one a class segment's blocks get; it moves past every generation the segment
 *            handed out when the segment is freed, so no handle of an earlier use matches a
 *            later one (up to the codec's cycle of 2^G - 1 generations)
 *  runSerial the slot field of the next run headed here: each run freed (or moved away) moves
 *            it on, and the floor moves on one only when it wraps, so runs spend the floor's
 *            generations 2^slotBits times slower than one per run
 *  next/prev CLASS: the links of its class's list of segments with free blocks
 *  freeBits  one bit per segment, set when FREE, for the first-fit search
 * </pre>
 *
 * The arrays grow with the arena's reservation (off the fast path). Not thread-safe.
 */
final class SegmentTable {
    static final byte FREE = 0;
    static final byte CLASS = 1;
    static final byte RUN_HEAD = 2;
    static final byte RUN_BODY = 3;
    /** A hole the arena could not reserve again after a move: never used again. */
    static final byte UNUSABLE = 4;
    static final byte COMMITTED = 1;
    static final byte RETAINED = 2;
    static final int NONE = -1;

    private int segmentCount;
    byte[] state;
    byte[] flags;
    int[] detail;
    int[] generation;
    int[] runSerial;
    int[] next;
    int[] prev;
    SlotMap[] slotMaps;
    private long[] freeBits;
    private int freeSegments;
    private int lowestFreeWord;

    SegmentTable(final int segmentCount) {
        state = new byte[segmentCount];
        flags = new byte[segmentCount];
        detail = new int[segmentCount];
        generation = new int[segmentCount];
        runSerial = new int[segmentCount];
        next = new int[segmentCount];
        prev = new int[segmentCount];
        slotMaps = new SlotMap[segmentCount];
        freeBits = new long[0];
        Arrays.fill(generation, 1);
        grow(segmentCount);
    }

    int segmentCount() {
        return segmentCount;
    }

    int freeSegments() {
        return freeSegments;
    }

    /** Extends the table to {@code newCount} segments; the new ones are free and not committed. */
    void grow(final int newCount) {
        if (newCount > state.length) {
            final int capacity = Math.max(newCount, state.length * 2);
            state = Arrays.copyOf(state, capacity);
            flags = Arrays.copyOf(flags, capacity);
            detail = Arrays.copyOf(detail, capacity);
            final int oldLength = generation.length;
            generation = Arrays.copyOf(generation, capacity);
            Arrays.fill(generation, oldLength, capacity, 1);
            runSerial = Arrays.copyOf(runSerial, capacity);
            next = Arrays.copyOf(next, capacity);
            prev = Arrays.copyOf(prev, capacity);
            slotMaps = Arrays.copyOf(slotMaps, capacity);
        }
        freeBits = Arrays.copyOf(freeBits, (newCount + 63) >>> 6);
        for (int index = segmentCount; index < newCount; index++) {
            markFree(index);
        }
        segmentCount = newCount;
    }

    /**
     * The lowest index of {@code count} consecutive free segments, or {@link #NONE}; with
     * {@code openEnded} a run may also end in free segments at the end of the table, and the
     * caller grows the table to hold it.
     */
    int findFreeRun(final int count, final boolean openEnded) {
        final int lowest = lowestFree();
        int runStart = NONE;
        int runLength = 0;
        for (int index = lowest == NONE ? segmentCount : lowest; index < segmentCount; index++) {
            if ((index & 63) == 0 && freeBits[index >>> 6] == 0) {
                runLength = 0;
                index += 63; // a word of segments in use
            } else if (state[index] == FREE) {
                if (runLength++ == 0) {
                    runStart = index;
                }
                if (runLength == count) {
                    return runStart;
                }
            } else {
                runLength = 0;
            }
        }
        return openEnded ? (runLength > 0 ? runStart : segmentCount) : NONE;
    }

    /** The lowest free segment, or {@link #NONE}. */
    int lowestFree() {
        for (int word = lowestFreeWord; word < freeBits.length; word++) {
            if (freeBits[word] != 0) {
                lowestFreeWord = word;
                final int index = (word << 6) + Long.numberOfTrailingZeros(freeBits[word]);
                return index < segmentCount ? index : NONE;
            }
        }
        lowestFreeWord = freeBits.length;
        return NONE;
    }

    boolean isFree(final int index) {
        return state[index] == FREE;
    }

    /** Marks {@code index} in use with {@code newState}; it was free. */
    void markUsed(final int index, final byte newState, final int newDetail) {
        freeBits[index >>> 6] &= ~(1L << index);
        freeSegments--;
        state[index] = newState;
        detail[index] = newDetail;
    }

    void markFree(final int index) {
        freeBits[index >>> 6] |= 1L << index;
        if ((index >>> 6) < lowestFreeWord) {
            lowestFreeWord = index >>> 6;
        }
        freeSegments++;
        state[index] = FREE;
        detail[index] = 0;
        slotMaps[index] = null;
    }

    /**
     * The floor for a class segment starting at {@code index}: past the generation of any run
     * handed out there since the floor last moved (a run's handle has the floor's generation
     * and its serial as slot, which a block's handle could otherwise equal).
     */
    int classFloor(final int index, final HandleCodec codec) {
        if (runSerial[index] != 0) {
            runSerial[index] = 0;
            generation[index] = codec.advance(generation[index], 1);
        }
        return generation[index];
    }

    /** The run headed at {@code index} is freed or has moved away: its handle must never match again. */
    void retireRun(final int index, final HandleCodec codec) {
        final int serial = runSerial[index] + 1;
        if (serial > codec.slotMask()) {
            runSerial[index] = 0;
            generation[index] = codec.advance(generation[index], 1);
        } else {
            runSerial[index] = serial;
        }
    }

    boolean has(final int index, final byte flag) {
        return (flags[index] & flag) != 0;
    }

    void set(final int index, final byte flag) {
        flags[index] |= flag;
    }

    void clear(final int index, final byte flag) {
        flags[index] &= (byte)~flag;
    }
}
