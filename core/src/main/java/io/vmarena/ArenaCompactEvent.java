package io.vmarena;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: one compaction slice, timed over the slice (the pause its arena's other users saw). */
@Name("io.vmarena.Compact")
@Label("Arena compaction slice")
@Category({"vmarena"})
@Description("One slice of an arena's compaction: segments slid down by mremap, sparse segments evacuated")
final class ArenaCompactEvent extends Event {
    @Label("Arena")
    String arena;
    @Label("Moved")
    @DataAmount
    long movedBytes;
    @Label("Copied")
    @DataAmount
    long copiedBytes;
    @Label("Runs")
    int runs;
    @Label("System calls")
    long systemCalls;
    @Label("VMAs moved")
    long vmasMoved;
    @Label("Complete")
    boolean complete;

    void commit(final String arenaName, final long moved, final long copied, final int runCount, final long calls,
        final long vmas, final boolean done) {
        if (shouldCommit()) {
            arena = arenaName;
            movedBytes = moved;
            copiedBytes = copied;
            runs = runCount;
            systemCalls = calls;
            vmasMoved = vmas;
            complete = done;
            commit();
        }
    }
}
