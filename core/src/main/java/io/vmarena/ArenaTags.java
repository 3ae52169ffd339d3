package io.vmarena;

import java.util.Arrays;

/**
 * Hands out arena tags round robin, one cycle per tag width (an arena's width, T bits, comes
 * from its geometry; see {@link HandleCodec}): a new arena gets the first tag after the one
 * handed out last at its width that no open arena holds, going round 0 to 2^T - 1. So:
 * <ul>
 * <li>while fewer than 2^T open arenas hold tags of its width, a new arena shares its tag with
 * none of them;</li>
 * <li>a tag is handed out again only after every other tag of its width that was free when the
 * cycle passed it has been handed out once since: with no arena open throughout, at least
 * 2^T - 1 arenas are built between two that share a tag;</li>
 * <li>when all 2^T tags are held, a new arena takes the next tag in turn anyway and shares it
 * with the open arena that holds it; handles between the two are then told apart only by
 * segment, slot and generation, which is no guarantee.</li>
 * </ul>
 * Widths are independent: arenas of different geometries decode each other's handles
 * differently anyway. {@link #acquire} returns a ticket, the tag in its low 16 bits and the width
 * above, so that {@link #release} knows both; {@link #tagOf} takes the tag from it. Thread-safe;
 * called when arenas are built and closed. Instances are for tests; arenas use the process's.
 */
final class ArenaTags {
    private static final ArenaTags SYSTEM = new ArenaTags();

    private static final int TAG_MASK = 0xFFFF;
    private static final int WIDTH_SHIFT = 16;

    /** Per width: how many open arenas hold each tag; allocated at a width's first use. */
    private final int[][] holders = new int[HandleCodec.MAX_TAG_BITS + 1][];
    /** Per width: the tag handed out last. */
    private final int[] lastTag = new int[HandleCodec.MAX_TAG_BITS + 1];

    ArenaTags() {
        Arrays.fill(lastTag, -1);
    }

    /** A ticket for a tag of {@code tagBits} bits (0 to 15) for a new arena, from the process's tags. */
    static int acquire(final int tagBits) {
        return SYSTEM.take(tagBits);
    }

    /** The arena that held {@code ticket} is closed. */
    static void release(final int ticket) {
        SYSTEM.give(ticket);
    }

    /** The tag of a ticket (a plain tag is its own ticket, of width 0). */
    static int tagOf(final int ticket) {
        return ticket & TAG_MASK;
    }

    synchronized int take(final int tagBits) {
        if (holders[tagBits] == null) {
            holders[tagBits] = new int[1 << tagBits];
        }
        final int[] held = holders[tagBits];
        final int mask = held.length - 1;
        final int after = lastTag[tagBits];
        int tag = (after + 1) & mask;
        for (int tried = 0; tried <= mask && held[tag] > 0; tried++) {
            tag = (tag + 1) & mask;
        }
        if (held[tag] > 0) {
            tag = (after + 1) & mask; // every tag held: the next in turn, shared
        }
        held[tag]++;
        lastTag[tagBits] = tag;
        return tagBits << WIDTH_SHIFT | tag;
    }

    synchronized void give(final int ticket) {
        final int[] held = holders[ticket >>> WIDTH_SHIFT];
        final int tag = tagOf(ticket);
        if (held == null || held[tag] <= 0) {
            throw new IllegalStateException("tag " + tag + " of " + (ticket >>> WIDTH_SHIFT) + " bits released more "
                + "often than it was taken");
        }
        held[tag]--;
    }
}
