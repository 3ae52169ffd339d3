package io.vmarena;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static io.vmarena.PinDecision.Outcome.COLD;
import static io.vmarena.PinDecision.Outcome.OVER_BUDGET;
import static io.vmarena.PinDecision.Outcome.PARTLY_PINNED;
import static io.vmarena.PinDecision.Outcome.PINNED;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ranking and the sharing of the budget, as arithmetic: no arena, no address space. */
class PinPlanTest {
    private static PinPlan.Candidate warm(final long order, final int priority, final long activity, final long needed) {
        return new PinPlan.Candidate(order, priority, activity, false, needed);
    }

    private static PinPlan.Candidate cold(final long order, final int priority, final long needed) {
        return new PinPlan.Candidate(order, priority, 0, true, needed);
    }

    private static List<Long> orders(final List<PinPlan.Candidate> ranked) {
        return ranked.stream().map(candidate -> candidate.order).collect(Collectors.toList());
    }

    private static List<PinDecision.Outcome> outcomes(final List<PinPlan.Candidate> ranked) {
        return ranked.stream().map(candidate -> candidate.outcome).collect(Collectors.toList());
    }

    private static List<Long> limits(final List<PinPlan.Candidate> ranked) {
        return ranked.stream().map(candidate -> candidate.limitBytes).collect(Collectors.toList());
    }

    @Test
    void shouldPinEveryWarmArenaWithinTheBudgetAndGiveTheRestToTheFirst() {
        final List<PinPlan.Candidate> ranked = PinPlan.plan(List.of(warm(0, 1, 5, 100), warm(1, 1, 9, 200)), 1000);
        assertEquals(List.of(1L, 0L), orders(ranked), "more activity first");
        assertEquals(List.of(PINNED, PINNED), outcomes(ranked));
        assertEquals(List.of(200L + 700, 100L), limits(ranked), "the 700 bytes left are the hottest's headroom");
        assertEquals(List.of(200L, 300L), ranked.stream().map(candidate -> candidate.grantedThroughBytes)
            .collect(Collectors.toList()));
        assertEquals(List.of(1, 2), ranked.stream().map(candidate -> candidate.rank).collect(Collectors.toList()));
    }

    @Test
    void shouldPinTheHottestThenOnePartlyThenNoneOverTheBudget() {
        final List<PinPlan.Candidate> ranked = PinPlan.plan(List.of(warm(0, 1, 1, 300), warm(1, 1, 50, 400),
            warm(2, 1, 20, 500), warm(3, 1, 10, 10)), 700);
        assertEquals(List.of(1L, 2L, 3L, 0L), orders(ranked));
        assertEquals(List.of(PINNED, PARTLY_PINNED, OVER_BUDGET, OVER_BUDGET), outcomes(ranked),
            "after the arena pinned in part, no smaller one fills the gap: ranks are kept");
        assertEquals(List.of(400L, 300L, 0L, 0L), limits(ranked));
        assertEquals(700L, ranked.get(3).grantedThroughBytes);
    }

    @Test
    void shouldRankByPriorityBeforeActivityAndByRegistrationLast() {
        final List<PinPlan.Candidate> ranked = PinPlan.plan(List.of(warm(0, 1, 1000, 1), warm(1, 5, 0, 1),
            warm(2, 5, 3, 1), warm(3, 5, 3, 1), warm(4, -2, 10, 1)), PinPlan.UNLIMITED);
        assertEquals(List.of(2L, 3L, 1L, 0L, 4L), orders(ranked));
        assertEquals(List.of(PinPlan.UNLIMITED, PinPlan.UNLIMITED, PinPlan.UNLIMITED, PinPlan.UNLIMITED,
            PinPlan.UNLIMITED), limits(ranked), "an unlimited budget pins every warm arena with no limit");
    }

    @Test
    void shouldUnpinColdArenasWhateverTheirPriorityAndRankThemLast() {
        final List<PinPlan.Candidate> ranked = PinPlan.plan(List.of(cold(0, 100, 10), warm(1, 0, 1, 10)),
            PinPlan.UNLIMITED);
        assertEquals(List.of(1L, 0L), orders(ranked));
        assertEquals(List.of(PINNED, COLD), outcomes(ranked));
        assertEquals(0L, ranked.get(1).limitBytes);
    }

    @Test
    void shouldPinNothingWithABudgetOfZero() {
        final List<PinPlan.Candidate> ranked = PinPlan.plan(List.of(warm(0, 1, 1, 4096), warm(1, 2, 1, 4096)), 0);
        assertEquals(List.of(OVER_BUDGET, OVER_BUDGET), outcomes(ranked));
        assertEquals(List.of(0L, 0L), limits(ranked));
    }

    @Test
    void shouldPinAnArenaThatFitsExactlyWhole() {
        final List<PinPlan.Candidate> ranked = PinPlan.plan(List.of(warm(0, 1, 1, 4096), warm(1, 1, 0, 4096)), 4096);
        assertEquals(List.of(PINNED, OVER_BUDGET), outcomes(ranked));
        assertEquals(List.of(4096L, 0L), limits(ranked));
    }
}
