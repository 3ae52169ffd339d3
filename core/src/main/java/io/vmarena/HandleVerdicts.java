package io.vmarena;

/** What a refused handle's verdict from {@link BlockHeap#check} means, in words a caller can act on. */
final class HandleVerdicts {
    private HandleVerdicts() {
    }

    static String explain(final int verdict) {
        switch (verdict) {
            case BlockHeap.NULL_HANDLE:
                return "the null handle (0) names no block";
            case BlockHeap.NOT_A_BLOCK:
                return "no block of this arena has this handle: its block was freed and its segment given back, or it "
                    + "was never allocated here (forged, or from an arena of another shape)";
            case BlockHeap.FREED:
                return "the block was freed (a double free, or use after free)";
            case BlockHeap.STALE:
                return "the handle is stale: its block was freed and its slot or segment handed out again since "
                    + "(use after free)";
            case BlockHeap.RELOCATED:
                return "the block was freed, or compaction relocated it and gave its new handle to the arena's "
                    + "relocation listener (use that one)";
            case BlockHeap.OTHER_ARENA:
                return "the handle belongs to another arena (its tag is not this arena's)";
            default:
                throw new IllegalArgumentException("not a verdict: " + verdict);
        }
    }
}
