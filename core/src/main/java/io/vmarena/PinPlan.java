package io.vmarena;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One round's ranking of a {@link PinningPolicy}, as pure arithmetic over what the round
 * measured: no arena is touched here, so the rules are tested on their own.
 *
 * <pre>
 *  rank by: warm before cold, then priority (high first), then activity in the last period
 *           (high first), then registration order (earlier first)
 *
 *  budget  |#### rank 1 ####|## rank 2 ##|#### rank 3 (part) ##|              rank 4, 5: unpinned
 *          0                                                 budget         (no room left, or cold)
 * </pre>
 *
 * Each arena asks for the bytes it holds (segments in use and retained): the kernel charges a
 * locked VMA's whole length to RLIMIT_MEMLOCK, MLOCK_ONFAULT or not, so that is what pinning it
 * takes, resident or not. The
 * warm arenas are granted their bytes in rank order while they fit; the first that fits only in
 * part is granted the rest of the budget (pinned in part), and every arena after it none. Cold
 * arenas are granted nothing, whatever their priority. Whatever no arena needed now is added to
 * the limit of the first arena pinned whole, so the hottest arena's growth between rounds stays
 * pinned; the next round shares the budget out again.
 */
final class PinPlan {
    /** A budget with no bound: CAP_IPC_LOCK, no configured cap, or RLIMIT_MEMLOCK unlimited. */
    static final long UNLIMITED = Long.MAX_VALUE;

    private PinPlan() {
    }

    /** What the round measured of one arena. */
    static final class Candidate {
        /** Registration order: the tie breaker. */
        final long order;
        final int priority;
        final long activity;
        final boolean cold;
        final long neededBytes;
        /** Filled in by {@link #plan}. */
        int rank;
        /** PINNED, PARTLY_PINNED, OVER_BUDGET or COLD; applying it may find more. */
        PinDecision.Outcome outcome;
        /** The {@code pin(limitBytes)} argument, 0 when unpinned. */
        long limitBytes;
        /** The budget granted to this arena and to every arena ranked before it. */
        long grantedThroughBytes;

        Candidate(final long order, final int priority, final long activity, final boolean cold,
            final long neededBytes) {
            this.order = order;
            this.priority = priority;
            this.activity = activity;
            this.cold = cold;
            this.neededBytes = neededBytes;
        }
    }

    static final Comparator<Candidate> RANKING = Comparator.<Candidate, Boolean>comparing(candidate -> candidate.cold)
        .thenComparing(Comparator.comparingInt((Candidate candidate) -> candidate.priority).reversed())
        .thenComparing(Comparator.comparingLong((Candidate candidate) -> candidate.activity).reversed())
        .thenComparingLong(candidate -> candidate.order);

    /**
     * Ranks {@code candidates} and shares {@code budgetBytes} (at least 0, or {@link #UNLIMITED})
     * out among them; returns them in rank order, each with its rank, outcome and limit.
     */
    static List<Candidate> plan(final List<Candidate> candidates, final long budgetBytes) {
        final List<Candidate> ranked = new ArrayList<>(candidates);
        ranked.sort(RANKING);
        long leftBytes = Math.max(0, budgetBytes);
        long grantedBytes = 0;
        Candidate firstWhole = null;
        for (int index = 0; index < ranked.size(); index++) {
            final Candidate candidate = ranked.get(index);
            candidate.rank = index + 1;
            if (candidate.cold) {
                candidate.outcome = PinDecision.Outcome.COLD;
            } else if (budgetBytes == UNLIMITED) {
                candidate.outcome = PinDecision.Outcome.PINNED;
                candidate.limitBytes = UNLIMITED;
            } else if (candidate.neededBytes <= leftBytes) {
                candidate.outcome = PinDecision.Outcome.PINNED;
                candidate.limitBytes = candidate.neededBytes;
                leftBytes -= candidate.neededBytes;
                grantedBytes += candidate.neededBytes;
                if (firstWhole == null) {
                    firstWhole = candidate;
                }
            } else if (leftBytes > 0) {
                candidate.outcome = PinDecision.Outcome.PARTLY_PINNED;
                candidate.limitBytes = leftBytes;
                grantedBytes += leftBytes;
                leftBytes = 0;
            } else {
                candidate.outcome = PinDecision.Outcome.OVER_BUDGET;
            }
            candidate.grantedThroughBytes = budgetBytes == UNLIMITED ? 0 : grantedBytes;
        }
        if (firstWhole != null) {
            firstWhole.limitBytes += leftBytes; // headroom for the hottest arena's growth until the next round
        }
        return ranked;
    }
}
