package io.vmarena;

import java.util.Arrays;

/**
 * What each segment of an arena is, by <em>segment id</em>: the number a handle carries. An id
 * names a segment wherever it is; {@link Places} says which part of the range each id occupies
 * now, so compaction can move a segment without changing a handle. Primitive arrays indexed by
 * id, so that looking a handle up allocates nothing and touches no object but the arrays:
 *
 * <pre>
 *  state     FREE (id unused) | CLASS | RUN_HEAD (a run: one id for all its segments) | FORWARDED
 *  detail    CLASS: size class;  RUN_HEAD: run length in segments
 *  place     CLASS, RUN_HEAD: the (first) place in the range it occupies
 *  slotMaps  CLASS: the blocks' bitmap and generations
 *  forwarding FORWARDED: where evacuation copied the segment's live blocks (old handle to new)
 *  generation  the id's floor: the generation a run with this id gets, and the first one a
 *            class segment's blocks get; it moves past every generation the id handed out when
 *            the segment is freed, so no handle of an earlier use matches a later one (up to the
 *            codec's cycle of 2^G - 1 generations)
 *  runSerial the slot field of the next run with this id: each run freed moves it on, and the
 *            floor moves on one only when it wraps, so runs spend the floor's generations
 *            2^slotBits times slower than one per run
 *  next/prev CLASS: the links of its class's list of segments with free blocks
 * </pre>
 *
 * Ids are handed out lowest first, so an arena that never compacts uses the same ids as places.
 * The arrays grow with the ids in use (off the fast path). Not thread-safe.
 */
final class SegmentTable {
    static final byte FREE = 0;
    static final byte CLASS = 1;
    static final byte RUN_HEAD = 2;
    /** Emptied by evacuation while handles into it may still be forwarded: not handed out again until none are. */
    static final byte FORWARDED = 3;
    static final int NONE = -1;

    private final int maxIds;
    byte[] state;
    int[] detail;
    int[] place;
    int[] generation;
    int[] runSerial;
    int[] next;
    int[] prev;
    SlotMap[] slotMaps;
    Forwarding[] forwarding;
    /** One bit per id, set when FREE. */
    private long[] freeIds;
    private int lowestFreeWord;
    private int idsInUse;
    /** Ids in state FORWARDED: held by forwards only, with no place. */
    private int forwardedIds;

    /**
     * @param initialIds ids to make room for at first
     * @param maxIds the most ids a handle can carry (the arena's maximum segment count)
     */
    SegmentTable(final int initialIds, final int maxIds) {
        this.maxIds = maxIds;
        state = new byte[0];
        detail = new int[0];
        place = new int[0];
        generation = new int[0];
        runSerial = new int[0];
        next = new int[0];
        prev = new int[0];
        slotMaps = new SlotMap[0];
        forwarding = new Forwarding[0];
        freeIds = new long[0];
        ensureCapacity(Math.max(1, Math.min(initialIds, maxIds)));
    }

    /** Ids handed out and not yet released (forwarded ones included). */
    int idsInUse() {
        return idsInUse;
    }

    /** Ids held by forwards alone (evacuated segments whose old handles may still be used). */
    int forwardedIds() {
        return forwardedIds;
    }

    /** Segment {@code id}, emptied by evacuation, keeps its id for its forwards, and names no place or block. */
    void forwarded(final int id) {
        if (state[id] != FORWARDED) {
            forwardedIds++;
        }
        state[id] = FORWARDED;
        detail[id] = 0;
        place[id] = NONE;
    }

    /** One past the highest id the arrays hold: ids to scan. */
    int idCapacity() {
        return state.length;
    }

    int maxIds() {
        return maxIds;
    }

    /**
     * The lowest free id, marked in use with {@code newState} and {@code newDetail} at
     * {@code newPlace}.
     *
     * @throws ArenaFullException when every id a handle can carry is in use (forwarded segments
     *     hold theirs until their forwarded blocks are freed or relocated)
     */
    int take(final byte newState, final int newDetail, final int newPlace) {
        final int id = lowestFree();
        if (id == NONE) {
            throw new ArenaFullException("every one of the " + maxIds + " segment ids a handle can carry is in use ("
                + "segments evacuated by compaction keep theirs while their old handles are forwarded): free blocks, "
                + "or give compaction a relocation listener so that forwarding ends", null);
        }
        freeIds[id >>> 6] &= ~(1L << id);
        idsInUse++;
        state[id] = newState;
        detail[id] = newDetail;
        place[id] = newPlace;
        return id;
    }

    /** Releases {@code id}: its floor and run serial stay, so its next use starts past them. */
    void release(final int id) {
        if (state[id] == FORWARDED) {
            forwardedIds--;
        }
        freeIds[id >>> 6] |= 1L << id;
        if ((id >>> 6) < lowestFreeWord) {
            lowestFreeWord = id >>> 6;
        }
        idsInUse--;
        state[id] = FREE;
        detail[id] = 0;
        place[id] = NONE;
        slotMaps[id] = null;
        forwarding[id] = null;
    }

    private int lowestFree() {
        while (true) {
            for (int word = lowestFreeWord; word < freeIds.length; word++) {
                if (freeIds[word] != 0) {
                    lowestFreeWord = word;
                    final int id = (word << 6) + Long.numberOfTrailingZeros(freeIds[word]);
                    if (id < state.length) {
                        return id;
                    }
                    break;
                }
            }
            if (state.length >= maxIds) {
                return NONE;
            }
            ensureCapacity((int)Math.min(maxIds, Math.max(64L, 2L * state.length)));
        }
    }

    /** Extends the arrays to hold {@code capacity} ids; the new ones are free. */
    private void ensureCapacity(final int capacity) {
        final int oldLength = state.length;
        if (capacity <= oldLength) {
            return;
        }
        final byte[] newState = Arrays.copyOf(state, capacity);
        detail = Arrays.copyOf(detail, capacity);
        final int[] newPlace = Arrays.copyOf(place, capacity);
        Arrays.fill(newPlace, oldLength, capacity, NONE);
        final int[] newGeneration = Arrays.copyOf(generation, capacity);
        Arrays.fill(newGeneration, oldLength, capacity, 1);
        runSerial = Arrays.copyOf(runSerial, capacity);
        next = Arrays.copyOf(next, capacity);
        prev = Arrays.copyOf(prev, capacity);
        forwarding = Arrays.copyOf(forwarding, capacity);
        // The arrays readers of a shared arena look a handle up in last, each complete before it is published.
        generation = newGeneration;
        place = newPlace;
        slotMaps = Arrays.copyOf(slotMaps, capacity);
        state = newState;
        freeIds = Arrays.copyOf(freeIds, (capacity + 63) >>> 6);
        for (int id = oldLength; id < capacity; id++) {
            freeIds[id >>> 6] |= 1L << id;
        }
        if ((oldLength >>> 6) < lowestFreeWord) {
            lowestFreeWord = oldLength >>> 6;
        }
    }

    /**
     * The floor for a class segment with id {@code id}: past the generation of any run handed
     * out with it since the floor last moved (a run's handle has the floor's generation and its
     * serial as slot, which a block's handle could otherwise equal).
     */
    int classFloor(final int id, final HandleCodec codec) {
        if (runSerial[id] != 0) {
            runSerial[id] = 0;
            generation[id] = codec.advance(generation[id], 1);
        }
        return generation[id];
    }

    /** The run with {@code id} is freed: its handle must never match again. */
    void retireRun(final int id, final HandleCodec codec) {
        final int serial = runSerial[id] + 1;
        if (serial > codec.slotMask()) {
            runSerial[id] = 0;
            generation[id] = codec.advance(generation[id], 1);
        } else {
            runSerial[id] = serial;
        }
    }
}
