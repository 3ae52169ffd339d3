package io.vmarena;

/**
 * What one round of a {@link PinningPolicy} decided for one arena, and what came of it; the
 * same words are in the arena's {@code stats()} and in the JFR event {@code io.vmarena.Pin}.
 *
 * @param arenaName the arena's name
 * @param outcome what the round did
 * @param rank 1 for the arena pinned first; cold arenas rank after every warm one
 * @param rankCount how many arenas the round ranked
 * @param priority the priority the arena was registered with
 * @param segmentClaims segments the arena took in the last period (allocations that needed a
 *     segment: a new size class segment, a large block, growth)
 * @param readSections read sections entered in the arena in the last period (shared arenas
 *     count them anyway, one atomic increment each; a retry after a move counts again)
 * @param limitBytes what the arena was allowed to lock ({@code pin(limitBytes)}); 0 when
 *     unpinned, {@link Long#MAX_VALUE} when the budget is unlimited
 * @param pinnedBytes the arena's locked bytes after the round: what it adds to VmLck
 * @param budgetBytes the budget the round shared out ({@link Long#MAX_VALUE}: unlimited)
 * @param reason the decision in words, for a person
 */
public record PinDecision(String arenaName, Outcome outcome, int rank, int rankCount, int priority,
    long segmentClaims, long readSections, long limitBytes, long pinnedBytes, long budgetBytes, String reason) {

    /** What a round did for an arena. */
    public enum Outcome {
        /** Pinned whole: the arena is among the hottest that fit the budget. */
        PINNED,
        /** Pinned in part: the first arena that did not fit got what was left of the budget. */
        PARTLY_PINNED,
        /** Unpinned: arenas ranked before it took the budget. */
        OVER_BUDGET,
        /** Unpinned: no activity for the policy's {@code coldAfter} periods. */
        COLD,
        /** The kernel refused to lock (EPERM, ENOMEM): the arena works unpinned; the reason says why. */
        REFUSED,
        /** The arena was closed, or collected: it left the registry. */
        CLOSED,
        /** Pinning or unpinning failed otherwise (the arena has failed, say); the reason says why. */
        FAILED
    }
}
