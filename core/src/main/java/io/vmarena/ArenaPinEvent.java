package io.vmarena;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: one decision of a {@link PinningPolicy} round for one arena. Committed as an instant event. */
@Name("io.vmarena.Pin")
@Label("Arena pinning decision")
@Category({"vmarena"})
@Description("A pinning policy pinned an arena, in part or whole, or unpinned it, and why")
final class ArenaPinEvent extends Event {
    @Label("Arena")
    String arena;
    @Label("Decision")
    String decision;
    @Label("Rank")
    int rank;
    @Label("Priority")
    int priority;
    @Label("Activity")
    @Description("Segments claimed and read sections entered in the last period")
    long activity;
    @Label("Pinned")
    @DataAmount
    long pinnedBytes;
    @Label("Limit")
    @DataAmount
    long limitBytes;
    @Label("Budget")
    @DataAmount
    long budgetBytes;
    @Label("Reason")
    String reason;

    void commit(final PinDecision made) {
        if (shouldCommit()) {
            arena = made.arenaName();
            decision = made.outcome().name();
            rank = made.rank();
            priority = made.priority();
            activity = made.segmentClaims() + made.readSections();
            pinnedBytes = made.pinnedBytes();
            limitBytes = made.limitBytes();
            budgetBytes = made.budgetBytes();
            reason = made.reason();
            commit();
        }
    }
}
