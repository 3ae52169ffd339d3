package io.vmarena;

/**
 * Hands out arena tags round robin, one cycle per tag width (an arena's width, T bits, comes
 * from its geometry; see {@link HandleCodec}): a new arena gets the first tag after the one
 * handed out last at its width that no open arena holds, going round 0 to 2^T - 1. So:
 * <ul>
 * <li>while fewer than 2^T arenas hold tags of its width, open arenas never share a tag;</li>
 * <li>a tag is handed out again only after every other tag of its width that was free when the
 * cycle passed it has been handed out once since: with no arena open throughout, at least
 * 2^T - 1 arenas are built between two that share a tag;</li>
 * <li>when all 2^T tags are held, a new arena takes the next tag in turn anyway and shares it
 * with the open arena that holds it; handles between the two are then told apart only by
 * segment, slot and generation, which is no guarantee.</li>
 * </ul>
 * A tag's holders are counted per value across widths, so an arena with tag 5 of 7 bits also
 * keeps tag 5 of 11 bits from new arenas: harmless, it only skips a tag. Thread-safe; called
 * when arenas are built and closed. Instances are for tests; arenas use {@link #acquire} and
 * {@link #release}.
 */
final class ArenaTags {
    private static final ArenaTags SYSTEM = new ArenaTags();

    private final int[] holders = new int[1 << HandleCodec.MAX_TAG_BITS];
    /** Per width: the tag handed out last. */
    private final int[] lastTag = new int[HandleCodec.MAX_TAG_BITS + 1];

    ArenaTags() {
        java.util.Arrays.fill(lastTag, -1);
    }

    /** A tag of {@code tagBits} bits (0 to 15) for a new arena, from the process's tags. */
    static int acquire(final int tagBits) {
        return SYSTEM.take(tagBits);
    }

    /** The arena that had {@code tag} is closed. */
    static void release(final int tag) {
        SYSTEM.give(tag);
    }

    synchronized int take(final int tagBits) {
        final int mask = (1 << tagBits) - 1;
        final int after = lastTag[tagBits];
        int tag = (after + 1) & mask;
        for (int tried = 0; tried <= mask && holders[tag] > 0; tried++) {
            tag = (tag + 1) & mask;
        }
        if (holders[tag] > 0) {
            tag = (after + 1) & mask; // every tag held: the next in turn, shared
        }
        holders[tag]++;
        lastTag[tagBits] = tag;
        return tag;
    }

    synchronized void give(final int tag) {
        if (holders[tag] <= 0) {
            throw new IllegalStateException("tag " + tag + " released more often than it was taken");
        }
        holders[tag]--;
    }
}
