package io.vmarena;

/**
 * A {@link PinningPolicy}'s decisions in words, as the arena's stats and the JFR event give them:
 * {@code "pinned by policy: rank 2 of 5, priority 10, 37 claims and 120 read sections in the last
 * period, budget 6291456 of 8388608 bytes"}.
 */
final class PinReasons {
    private PinReasons() {
    }

    static String of(final PinPlan.Candidate candidate, final int rankCount, final long claims, final long sections,
        final long committedBytes, final long budgetBytes, final int coldAfterPeriods) {
        final String standing = "rank " + candidate.rank + " of " + rankCount + ", priority " + candidate.priority
            + ", " + claims + " claims and " + sections + " read sections in the last period";
        switch (candidate.outcome) {
            case PINNED:
                return "pinned by policy: " + standing + ", " + budget(candidate, budgetBytes);
            case PARTLY_PINNED:
                return "partly pinned by policy: " + standing + ", " + candidate.limitBytes + " of its "
                    + committedBytes + " committed bytes fit the budget (" + budget(candidate, budgetBytes) + ")";
            case OVER_BUDGET:
                return "unpinned by policy: " + standing + "; its " + committedBytes + " committed bytes do not fit: "
                    + "higher ranks took the budget (" + budget(candidate, budgetBytes) + ")";
            case COLD:
                return "unpinned by policy: cold, no segment claimed and no read section entered for "
                    + coldAfterPeriods + " periods or more; " + standing;
            default:
                throw new IllegalArgumentException("not a plan's outcome: " + candidate.outcome);
        }
    }

    private static String budget(final PinPlan.Candidate candidate, final long budgetBytes) {
        if (budgetBytes == PinPlan.UNLIMITED) {
            return "no budget limit (CAP_IPC_LOCK or RLIMIT_MEMLOCK unlimited, and no cap)";
        }
        return "budget " + candidate.grantedThroughBytes + " of " + budgetBytes + " bytes";
    }
}
