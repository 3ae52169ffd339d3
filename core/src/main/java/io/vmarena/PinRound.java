package io.vmarena;

import io.vmarena.vm.LockBudget;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One round of a {@link PinningPolicy}: measures each registered arena (its counters since the
 * last round, its held and locked bytes), reads the lock budget, ranks with
 * {@link PinPlan}, then unpins and pins. Arenas that shrink or lose their pin go first, so the
 * bytes they give back are free before the others lock more: in the other order a pin could hit
 * RLIMIT_MEMLOCK that the round's own plan keeps.
 *
 * <p>An arena closed before or during the round is not touched again (its calls refuse once it
 * is closed); it leaves the registry with a {@code CLOSED} decision.
 */
final class PinRound {
    private final List<PinEntry> entries;
    private final long capBytes;
    private final int coldAfterPeriods;
    private final Supplier<LockBudget> budgetSource;
    /** Tests' hook: runs with the arena's name before each pin or unpin. */
    private final Consumer<String> beforeApplying;
    private final List<PinEntry> departed = new ArrayList<>();
    private final List<PinDecision> unranked = new ArrayList<>();
    /** Where the round's budget came from, in words, for a decision that got none of it; null when unlimited. */
    private String budgetOrigin;

    /** An arena as the round measured it. */
    private static final class Measured {
        final PinEntry entry;
        final Pinnable.Figures figures;
        final long claims;
        final long sections;

        Measured(final PinEntry entry, final Pinnable.Figures figures, final long claims, final long sections) {
            this.entry = entry;
            this.figures = figures;
            this.claims = claims;
            this.sections = sections;
        }
    }

    PinRound(final List<PinEntry> entries, final long capBytes, final int coldAfterPeriods,
        final Supplier<LockBudget> budgetSource, final Consumer<String> beforeApplying) {
        this.entries = entries;
        this.beforeApplying = beforeApplying;
        this.capBytes = capBytes;
        this.coldAfterPeriods = coldAfterPeriods;
        this.budgetSource = budgetSource;
    }

    /** The entries whose arenas were found closed or collected: the policy drops them. */
    List<PinEntry> departed() {
        return departed;
    }

    List<PinDecision> run() {
        final Map<Long, Measured> measured = new HashMap<>();
        final List<PinPlan.Candidate> candidates = new ArrayList<>();
        for (final PinEntry entry : entries) {
            final Measured arena = measure(entry);
            if (arena != null) {
                measured.put(entry.order, arena);
                candidates.add(new PinPlan.Candidate(entry.order, entry.priority, arena.claims + arena.sections,
                    entry.idlePeriods >= coldAfterPeriods, arena.figures.heldBytes()));
            }
        }
        final List<PinDecision> decisions = new ArrayList<>();
        if (!candidates.isEmpty()) {
            final long budgetBytes = budget(measured.values());
            final List<PinPlan.Candidate> ranked = PinPlan.plan(candidates, budgetBytes);
            final PinDecision[] applied = new PinDecision[ranked.size()];
            for (final boolean shrinking : new boolean[] {true, false}) {
                for (int index = 0; index < ranked.size(); index++) {
                    final PinPlan.Candidate candidate = ranked.get(index);
                    final Measured arena = measured.get(candidate.order);
                    if (shrinks(candidate, arena) == shrinking) {
                        applied[index] = apply(candidate, arena, ranked.size(), budgetBytes);
                    }
                }
            }
            decisions.addAll(List.of(applied));
        }
        decisions.addAll(unranked);
        for (final PinDecision decision : decisions) {
            ArenaEvents.pin(decision);
        }
        return decisions;
    }

    /** Reads an arena's figures and counts its period; null (with a CLOSED decision) when it is gone. */
    private Measured measure(final PinEntry entry) {
        final Pinnable.Figures figures;
        try {
            if (!entry.target.isOpen()) {
                throw new IllegalStateException("closed");
            }
            figures = entry.target.figures();
        } catch (final IllegalStateException closed) {
            if (entry.target.isOpen()) {
                unranked.add(failed(entry, closed));
                return null;
            }
            departed.add(entry);
            unranked.add(new PinDecision(entry.target.name(), PinDecision.Outcome.CLOSED, 0, 0, entry.priority, 0, 0,
                0, 0, 0, "closed: left the pinning policy"));
            return null;
        }
        final long claims = figures.segmentClaims() - entry.lastClaims;
        final long sections = figures.readSections() - entry.lastSections;
        entry.lastClaims = figures.segmentClaims();
        entry.lastSections = figures.readSections();
        // Saturates: past Integer.MAX_VALUE idle periods (hours at a period of nanoseconds) a cold
        // arena would wrap to "idle for a negative count", warm, and be pinned again.
        entry.idlePeriods = claims + sections != 0 ? 0
            : entry.idlePeriods == Integer.MAX_VALUE ? Integer.MAX_VALUE : entry.idlePeriods + 1;
        return new Measured(entry, figures, claims, sections);
    }

    /**
     * min(cap, RLIMIT_MEMLOCK soft unless CAP_IPC_LOCK) less what the process locked besides the
     * arenas: VmLck less their locked bytes. An arena closed since it was measured no longer
     * counts in VmLck, so the budget may come out high by its bytes for this round.
     */
    private long budget(final Iterable<Measured> measured) {
        final LockBudget lock = budgetSource.get();
        final long limitBytes = lock.ipcLock() ? PinPlan.UNLIMITED : lock.softLimitBytes();
        final long capped = Math.min(capBytes, limitBytes);
        if (capped == PinPlan.UNLIMITED) {
            return PinPlan.UNLIMITED;
        }
        long arenasBytes = 0;
        for (final Measured arena : measured) {
            arenasBytes += arena.figures.pinnedBytes();
        }
        final long besidesBytes = Math.max(0, lock.lockedBytes() - arenasBytes);
        budgetOrigin = (capBytes <= limitBytes ? "the policy's budgetBytes of " + capBytes + " bytes; raise it"
            : "RLIMIT_MEMLOCK's soft limit of " + limitBytes + " bytes (no CAP_IPC_LOCK); raise it (`ulimit -l`, "
            + "systemd `LimitMEMLOCK=`, `docker run --ulimit memlock=`) or grant CAP_IPC_LOCK")
            + (besidesBytes > 0 ? ", or unlock some of the " + besidesBytes + " bytes the process locked besides "
            + "the policy's arenas" : "");
        return Math.max(0, capped - besidesBytes);
    }

    /** Whether applying the decision gives locked bytes back: those go first. */
    private static boolean shrinks(final PinPlan.Candidate candidate, final Measured arena) {
        final boolean unpins = candidate.outcome == PinDecision.Outcome.COLD
            || candidate.outcome == PinDecision.Outcome.OVER_BUDGET;
        return unpins || candidate.limitBytes < arena.figures.pinnedBytes();
    }

    private PinDecision apply(final PinPlan.Candidate candidate, final Measured arena, final int rankCount,
        final long budgetBytes) {
        final PinEntry entry = arena.entry;
        final boolean pins = candidate.outcome == PinDecision.Outcome.PINNED
            || candidate.outcome == PinDecision.Outcome.PARTLY_PINNED;
        final String why = PinReasons.of(candidate, rankCount, arena.claims, arena.sections,
            arena.figures.heldBytes(), budgetBytes, coldAfterPeriods, budgetOrigin);
        final PinStatus status;
        beforeApplying.accept(entry.target.name());
        try {
            if (!entry.target.isOpen()) {
                throw new IllegalStateException("closed"); // closed since measured: not touched again
            }
            status = pins ? entry.target.pin(candidate.limitBytes, why) : entry.target.unpin(why);
        } catch (final IllegalStateException | IllegalArgumentException refused) {
            if (!entry.target.isOpen()) {
                departed.add(entry); // closed during the round: not touched again
                entry.pinnedByPolicy = false;
                return decision(candidate, arena, rankCount, budgetBytes, PinDecision.Outcome.CLOSED, 0,
                    "closed during the round: left the pinning policy");
            }
            return decision(candidate, arena, rankCount, budgetBytes, PinDecision.Outcome.FAILED,
                arena.figures.pinnedBytes(), "the policy's decision, " + why + ", failed: " + refused.getMessage());
        }
        // The policy pinned it, whatever the kernel locked: an arena that held nothing yet still
        // locks its growth under the policy's limit until the policy unpins it.
        entry.pinnedByPolicy = pins;
        // REFUSED only when the kernel refused; planned whole and locked in part is growth since
        // measured (or the kernel's limit): PARTLY_PINNED, and the arena's reason says which.
        final PinDecision.Outcome outcome = status.state() == PinState.REFUSED ? PinDecision.Outcome.REFUSED
            : pins && status.state() == PinState.PARTLY_PINNED ? PinDecision.Outcome.PARTLY_PINNED : candidate.outcome;
        return decision(candidate, arena, rankCount, budgetBytes, outcome, status.pinnedBytes(), status.reason());
    }

    private static PinDecision decision(final PinPlan.Candidate candidate, final Measured arena, final int rankCount,
        final long budgetBytes, final PinDecision.Outcome outcome, final long pinnedBytes, final String reason) {
        return new PinDecision(arena.entry.target.name(), outcome, candidate.rank, rankCount, candidate.priority,
            arena.claims, arena.sections, candidate.limitBytes, pinnedBytes, budgetBytes, reason);
    }

    private static PinDecision failed(final PinEntry entry, final RuntimeException failure) {
        return new PinDecision(entry.target.name(), PinDecision.Outcome.FAILED, 0, 0, entry.priority, 0, 0, 0, 0, 0,
            "could not be measured: " + failure.getMessage());
    }
}
