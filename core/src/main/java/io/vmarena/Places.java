package io.vmarena;

import java.util.Arrays;

/**
 * The arena's range, segment by segment: which segment id occupies each place (a place is the
 * range's n-th segment-sized stretch), and what the place's memory is. Indexed by place, where
 * {@link SegmentTable} is indexed by id: compaction moves a segment from one place to another
 * and only these two tables learn of it.
 *
 * <pre>
 *  occupant  the id of the segment there (a run's id on each of its places), FREE or UNUSABLE
 *  flags     COMMITTED (mapped read-write)  RETAINED (free, and its pages may still be resident)
 *            LOCKED (mlock2ed by the arena's pinning: counts in VmLck)
 *  freeBits  one bit per place, set when FREE, for the first-fit search
 *  keptPages of a RETAINED place: how many of its pages its last use may have left in memory,
 *  keptEnd   one past the last of them, and
 *  keptHoles which pages below keptEnd trim gave back, keptEnd - keptPages of them (a class
 *            segment's: its map's record, carried into the place's next use; see SlotMap)
 *            (the arena's own account of residency, see ResidentAccount)
 * </pre>
 *
 * Not thread-safe.
 */
final class Places {
    static final int FREE = -1;
    /** A hole the arena could not reserve again after a move: never used again. */
    static final int UNUSABLE = -2;
    static final int NONE = -1;
    static final byte COMMITTED = 1;
    static final byte RETAINED = 2;
    static final byte LOCKED = 4;

    private int count;
    private int[] occupant;
    private byte[] flags;
    private int[] keptPages;
    private int[] keptEnd;
    /**
     * Per place, null until a class segment with pages trim gave back left it: arrays that change
     * hands with the slot maps ({@link SlotMap#tradeReleased}), never made here. The owner's
     * alone: a reader's copy has none (it reads keptPages).
     */
    private long[][] keptHoles;
    private long[] freeBits;
    private int freeCount;
    /** Places with {@link #LOCKED} set: the arena's locked segments, counted as the flags change. */
    private int lockedCount;
    private int lowestFreeWord;

    Places(final int count) {
        occupant = new int[0];
        flags = new byte[0];
        keptPages = new int[0];
        keptEnd = new int[0];
        keptHoles = new long[0][];
        freeBits = new long[0];
        grow(count);
    }

    private Places(final int count, final int[] occupant, final byte[] flags, final int[] keptPages,
        final int[] keptEnd, final long[] freeBits, final int freeCount, final int lockedCount) {
        this.count = count;
        this.occupant = occupant;
        this.flags = flags;
        this.keptPages = keptPages;
        this.keptEnd = keptEnd;
        this.keptHoles = new long[0][];
        this.freeBits = freeBits;
        this.freeCount = freeCount;
        this.lockedCount = lockedCount;
    }

    /**
     * A copy, for a reader on another thread while the owner may change these (stats() of a
     * confined arena from a monitoring thread). Never fails however the owner races it: each
     * array is read once, and the copy is as long as the shortest of count and the arrays (a
     * growth assigns the larger arrays before the count). Each place's values are ones it had
     * during the copy, not all from one moment.
     */
    Places copyForReader() {
        final int[] occupantNow = occupant;
        final byte[] flagsNow = flags;
        final int[] keptPagesNow = keptPages;
        final int[] keptEndNow = keptEnd;
        final long[] freeBitsNow = freeBits;
        final int countNow = Math.min(Math.min(Math.min(count, occupantNow.length),
            Math.min(keptPagesNow.length, keptEndNow.length)), Math.min(flagsNow.length, freeBitsNow.length * 64));
        return new Places(countNow, Arrays.copyOf(occupantNow, countNow), Arrays.copyOf(flagsNow, countNow),
            Arrays.copyOf(keptPagesNow, countNow), Arrays.copyOf(keptEndNow, countNow),
            Arrays.copyOf(freeBitsNow, (countNow + 63) >>> 6), freeCount, lockedCount);
    }

    int count() {
        return count;
    }

    int freeCount() {
        return freeCount;
    }

    int lockedCount() {
        return lockedCount;
    }

    /** Extends the range to {@code newCount} places; the new ones are free and not committed. */
    void grow(final int newCount) {
        if (newCount > occupant.length) {
            final int capacity = Math.max(newCount, occupant.length * 2);
            occupant = Arrays.copyOf(occupant, capacity);
            flags = Arrays.copyOf(flags, capacity);
            keptPages = Arrays.copyOf(keptPages, capacity);
            keptEnd = Arrays.copyOf(keptEnd, capacity);
            keptHoles = Arrays.copyOf(keptHoles, capacity);
        }
        freeBits = Arrays.copyOf(freeBits, (Math.max(newCount, count) + 63) >>> 6);
        for (int place = count; place < newCount; place++) {
            flags[place] = 0; // beyond count: never counted as locked
            occupant[place] = UNUSABLE; // markFree counts it
            markFree(place);
        }
        count = Math.max(count, newCount);
    }

    /** Cuts the range to {@code newCount} places, all of those cut free: the reservation shrank. */
    void shrink(final int newCount) {
        for (int place = newCount; place < count; place++) {
            if (occupant[place] == FREE) {
                freeBits[place >>> 6] &= ~(1L << place);
                freeCount--;
            }
            occupant[place] = FREE;
            clear(place, LOCKED);
            flags[place] = 0;
        }
        count = Math.min(count, newCount);
    }

    int occupant(final int place) {
        return occupant[place];
    }

    boolean isFree(final int place) {
        return occupant[place] == FREE;
    }

    /**
     * The lowest place of {@code length} consecutive free ones, or {@link #NONE}; with
     * {@code openEnded} a stretch may also end in free places at the end of the range, and the
     * caller grows the range to hold it.
     */
    int findFree(final int length, final boolean openEnded) {
        if (length == 1 && !openEnded) {
            return lowestFree();
        }
        final int lowest = lowestFree();
        int start = NONE;
        int found = 0;
        for (int place = lowest == NONE ? count : lowest; place < count; place++) {
            if ((place & 63) == 0 && freeBits[place >>> 6] == 0) {
                found = 0;
                place += 63; // a word of places in use
            } else if (occupant[place] == FREE) {
                if (found++ == 0) {
                    start = place;
                }
                if (found == length) {
                    return start;
                }
            } else {
                found = 0;
            }
        }
        return openEnded ? (found > 0 ? start : count) : NONE;
    }

    /** The lowest place at or after {@code from} that is not free (a segment's, or UNUSABLE), or {@link #NONE}. */
    int nextTaken(final int from) {
        for (int word = from >>> 6; word < freeBits.length && word << 6 < count; word++) {
            long taken = ~freeBits[word];
            if (word == from >>> 6) {
                taken &= -1L << (from & 63);
            }
            if (taken != 0) {
                final int place = (word << 6) + Long.numberOfTrailingZeros(taken);
                return place < count ? place : NONE;
            }
        }
        return NONE;
    }

    /** The lowest free place, or {@link #NONE}. */
    int lowestFree() {
        for (int word = lowestFreeWord; word < freeBits.length; word++) {
            if (freeBits[word] != 0) {
                lowestFreeWord = word;
                final int place = (word << 6) + Long.numberOfTrailingZeros(freeBits[word]);
                return place < count ? place : NONE;
            }
        }
        lowestFreeWord = freeBits.length;
        return NONE;
    }

    /** Gives free {@code place} to segment {@code id} (or makes it {@link #UNUSABLE}). */
    void occupy(final int place, final int id) {
        if (occupant[place] == FREE) {
            freeBits[place >>> 6] &= ~(1L << place);
            freeCount--;
        }
        occupant[place] = id;
    }

    void markFree(final int place) {
        if (occupant[place] != FREE) {
            freeBits[place >>> 6] |= 1L << place;
            if ((place >>> 6) < lowestFreeWord) {
                lowestFreeWord = place >>> 6;
            }
            freeCount++;
        }
        occupant[place] = FREE;
    }

    /**
     * Whether every place of {@code [firstPlace, lastPlace]} is {@link #COMMITTED}. Read without
     * the arena's lock by a copy inside a read section: the array is read once into a local and
     * indexes out of its range (a racing change's) answer false, never throw. Inside a section a
     * place is decommitted only by a move, which waits for the section, so a true answer holds
     * until the section ends.
     */
    boolean allCommitted(final int firstPlace, final int lastPlace) {
        final byte[] placeFlags = flags;
        if (firstPlace < 0 || lastPlace >= placeFlags.length || firstPlace > lastPlace) {
            return false;
        }
        for (int place = firstPlace; place <= lastPlace; place++) {
            if ((placeFlags[place] & COMMITTED) == 0) {
                return false;
            }
        }
        return true;
    }

    boolean has(final int place, final byte flag) {
        return (flags[place] & flag) != 0;
    }

    void set(final int place, final byte flag) {
        if ((flag & LOCKED) != 0 && (flags[place] & LOCKED) == 0) {
            lockedCount++;
        }
        flags[place] |= flag;
    }

    void clear(final int place, final byte flag) {
        if ((flag & LOCKED) != 0 && (flags[place] & LOCKED) != 0) {
            lockedCount--;
        }
        flags[place] &= (byte)~flag;
    }

    /** Of a {@link #RETAINED} place: how many of its pages may be in memory (meaningless otherwise). */
    int keptPages(final int place) {
        return keptPages[place];
    }

    /** Of a {@link #RETAINED} place: one past the last of its pages that may be in memory (meaningless otherwise). */
    int keptEnd(final int place) {
        return keptEnd[place];
    }

    /**
     * Of a {@link #RETAINED} place with fewer {@link #keptPages} than its {@link #keptEnd}: one
     * bit per page below keptEnd that trim gave back, as many as the difference; null or stale
     * otherwise.
     */
    long[] keptHoles(final int place) {
        return keptHoles[place];
    }

    /** The place holds {@code holes} from now on (see {@link #keptHoles(int)}). */
    void keepHoles(final int place, final long[] holes) {
        keptHoles[place] = holes;
    }

    /**
     * Place {@code place}, retained, may have {@code pageCount} pages in memory, all below page
     * {@code pageEnd}; where they are fewer, {@link #keepHoles} says which of them are not.
     */
    void keep(final int place, final int pageEnd, final int pageCount) {
        keptEnd[place] = pageEnd;
        keptPages[place] = pageCount;
    }
}
