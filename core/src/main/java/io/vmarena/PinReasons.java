package io.vmarena;

/**
 * A {@link PinningPolicy}'s decisions in words. They complete the arena's own sentences in its
 * {@link ArenaStats#pin()}: "arena 'orders' is pinned by <em>its pinning policy (rank 2 of 5,
 * priority 10, 37 claims and 120 read sections in the last period, budget 6291456 of 8388608
 * bytes)</em>: ..." and "arena 'cache' is not pinned: <em>its pinning policy unpinned it (cold:
 * ...)</em>".
 */
final class PinReasons {
    private PinReasons() {
    }

    /**
     * @param budgetOrigin where the budget came from and how to raise it, said when an arena got
     *     none of it because there was none (null when the budget is unlimited)
     */
    static String of(final PinPlan.Candidate candidate, final int rankCount, final long claims, final long sections,
        final long heldBytes, final long budgetBytes, final int coldAfterPeriods, final String budgetOrigin) {
        final String standing = "rank " + candidate.rank + " of " + rankCount + ", priority " + candidate.priority
            + ", " + claims + " claims and " + sections + " read sections in the last period";
        switch (candidate.outcome) {
            case PINNED:
                return "its pinning policy (" + standing + ", " + budget(candidate, budgetBytes) + ")";
            case PARTLY_PINNED:
                return "its pinning policy (" + standing + "; " + candidate.limitBytes + " of its " + heldBytes
                    + " bytes fit, " + budget(candidate, budgetBytes) + ")";
            case OVER_BUDGET:
                if (budgetBytes == 0) {
                    // "higher ranks took the budget 0 of 0 bytes" blamed ranks that took nothing.
                    return "its pinning policy unpinned it (" + standing + "; its " + heldBytes + " bytes do not fit: "
                        + "the budget is 0 bytes, " + budgetOrigin + ")";
                }
                return "its pinning policy unpinned it (" + standing + "; its " + heldBytes + " bytes do not fit, "
                    + "higher ranks took the " + budget(candidate, budgetBytes) + ")";
            case COLD:
                return "its pinning policy unpinned it (cold: no segment claimed and no read section entered for "
                    + coldAfterPeriods + " periods or more; " + standing + ")";
            default:
                throw new IllegalArgumentException("not a plan's outcome: " + candidate.outcome);
        }
    }

    private static String budget(final PinPlan.Candidate candidate, final long budgetBytes) {
        if (budgetBytes == PinPlan.UNLIMITED) {
            return "budget unlimited (CAP_IPC_LOCK or RLIMIT_MEMLOCK unlimited, and no cap)";
        }
        return "budget " + candidate.grantedThroughBytes + " of " + budgetBytes + " bytes";
    }
}
