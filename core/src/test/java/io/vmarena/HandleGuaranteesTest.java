package io.vmarena;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guarantees {@link Arena}'s class comment states, through the public API and at the real
 * widths: a slot through its whole generation cycle (20 bits, 65,535 handles per use of its
 * segment), and tags round robin past the tag space with arenas opened and closed, and with more
 * open at once than there are tags.
 */
class HandleGuaranteesTest extends SimulatorFixture {
    private static final long SEGMENT_BYTES = 64L << 10;
    /** 64 KiB segments (12 slot bits) and 2^28 of them (28 bits) leave 23 bits: G = 20, T = 3. */
    private static final long EIGHT_TAG_MAXIMUM = SEGMENT_BYTES << 28;

    private Arena.Builder builder() {
        return Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES);
    }

    /**
     * Slot 0 of segment 0 is reused until it retires, the segment is given back, and again: each
     * round moves the segment's floor on by 65,535 (past the retired slot) plus one (a run was
     * headed there). With G = 20 the cycle is 2^20 - 1 = 16 * 65,536 - 1, so the 17th round's
     * first handle is the first round's second: exactly 2^20 - 1 generations later, after more
     * than a million handles from the segment. Every stale handle before that is refused.
     */
    @Test
    void shouldRefuseEveryStaleHandleUntilItsSlotsGenerationHasGoneRoundOnceAtTheRealWidth() {
        // 64 KiB segments (12 slot bits), 1 TiB (24 segment bits): 27 bits left, G = 20 as by default.
        // Two segments at first: a run of two finds no room and gives the empty class segment back.
        try (Arena arena = builder().initialBytes(2 * SEGMENT_BYTES).maximumBytes(1L << 40).build()) {
            final List<Long> firstRound = new ArrayList<>();
            final Set<Long> firstRoundSet = new HashSet<>();
            long handedOut = 0;
            for (int round = 1; round <= 16; round++) {
                long handle = arena.allocate(64);
                final long slotAddress = arena.address(handle);
                int handles = 0;
                while (arena.address(handle) == slotAddress) {
                    if (round == 1) {
                        firstRound.add(handle);
                        assertTrue(firstRoundSet.add(handle), "handle " + handle + " handed out twice");
                    } else {
                        assertTrue(!firstRoundSet.contains(handle), "round " + round + " handed out " + handle + " again");
                    }
                    handles++;
                    arena.free(handle);
                    handle = arena.allocate(64);
                }
                assertEquals(65_535, handles, "round " + round + ": the slot retires after 65,535 handles");
                arena.free(handle); // the next slot's: the segment holds no live block now
                for (final long stale : new long[] {firstRound.get(0), firstRound.get(1), firstRound.get(65_533)}) {
                    final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> arena.address(stale), "round " + round);
                    assertTrue(refused.getMessage().contains("stale"), refused.getMessage());
                }
                arena.free(arena.allocate(2 * SEGMENT_BYTES)); // gives the segment back, heads a run there
                handedOut += handles + 2;
            }
            final long next = arena.allocate(64);
            assertEquals(firstRound.get(1), next, "the 17th round's first handle is the first round's second");
            assertTrue(handedOut >= (1 << 20) - 1, handedOut + " handles from the segment since");
            assertEquals(arena.address(next), arena.address(firstRound.get(1)), "accepted: the bound is exact");
            arena.free(next);
        }
    }

    @Test
    void shouldHandTagsOutRoundRobinSoAClosedArenasHandlesAreRefusedByTheNextSevenBuilt() {
        final List<Long> handles = new ArrayList<>();
        final List<Integer> tags = new ArrayList<>();
        for (int built = 0; built < 20; built++) {
            try (Arena arena = builder().maximumBytes(EIGHT_TAG_MAXIMUM).build()) {
                final long own = arena.allocate(64);
                tags.add(tagOf(own));
                for (int earlier = Math.max(0, built - 7); earlier < built; earlier++) {
                    final long foreign = handles.get(earlier);
                    final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> arena.address(foreign), "arena " + built + " given arena " + earlier + "'s handle");
                    assertTrue(refused.getMessage().contains("another arena"), refused.getMessage());
                }
                handles.add(own);
            }
        }
        for (int built = 1; built < 20; built++) {
            assertEquals((tags.get(built - 1) + 1) & 7, (int)tags.get(built), "tags go round robin: " + tags);
        }
    }

    @Test
    void shouldNeverShareATagWhileOneIsFreeAndShareTheNextInTurnWhenAllAreHeld() {
        final List<Arena> open = new ArrayList<>();
        try {
            final List<Long> handles = new ArrayList<>();
            for (int built = 0; built < 8; built++) {
                open.add(builder().maximumBytes(EIGHT_TAG_MAXIMUM).build());
                handles.add(open.get(built).allocate(64));
            }
            final Set<Integer> tags = new HashSet<>();
            handles.forEach(handle -> tags.add(tagOf(handle)));
            assertEquals(8, tags.size(), "eight open arenas, eight tags");
            for (int owner = 0; owner < 8; owner++) {
                for (int other = 0; other < 8; other++) {
                    if (owner != other) {
                        final Arena arena = open.get(other);
                        final long foreign = handles.get(owner);
                        assertThrows(IllegalArgumentException.class, () -> arena.free(foreign));
                    }
                }
            }
            // A ninth: every tag is held, so it takes the next in turn, after the eighth's.
            final Arena ninth = builder().maximumBytes(EIGHT_TAG_MAXIMUM).build();
            open.add(ninth);
            final long ninthHandle = ninth.allocate(64);
            final int shared = tagOf(ninthHandle);
            assertEquals((tagOf(handles.get(7)) + 1) & 7, shared);
            final int sharer = indexOfTag(handles, shared);
            assertEquals(handles.get(sharer), ninthHandle, "same tag, segment, slot and generation");
            assertEquals(open.get(sharer).address(ninthHandle) - open.get(sharer).baseAddress(),
                ninth.address(handles.get(sharer)) - ninth.baseAddress(),
                "the one pair that shares a tag accepts each other's handles: as the class comment says");
            for (int other = 0; other < 8; other++) {
                if (other != sharer) {
                    final long foreign = handles.get(other);
                    assertThrows(IllegalArgumentException.class, () -> ninth.address(foreign));
                }
            }
        } finally {
            open.forEach(Arena::close);
        }
    }

    private static int indexOfTag(final List<Long> handles, final int tag) {
        for (int index = 0; index < handles.size(); index++) {
            if (tagOf(handles.get(index)) == tag) {
                return index;
            }
        }
        throw new AssertionError("no handle has tag " + tag);
    }

    /** The tag of a handle of an arena with {@link #EIGHT_TAG_MAXIMUM}: the 3 bits above 20 + 28 + 12. */
    private static int tagOf(final long handle) {
        return (int)(handle >>> 60);
    }

    @Test
    void shouldKeepHandlesPositiveAndNonZeroAtEveryWidth() {
        try (Arena arena = builder().maximumBytes(EIGHT_TAG_MAXIMUM).build()) {
            for (int index = 0; index < 1000; index++) {
                final long handle = arena.allocate(16 + index);
                assertTrue(handle > 0, Long.toHexString(handle));
                assertNotEquals(0, handle);
            }
        }
    }
}
