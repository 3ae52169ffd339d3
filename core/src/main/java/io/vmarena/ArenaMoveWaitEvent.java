package io.vmarena;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * JFR: a move of a shared arena has waited longer than the arena's move wait warning for read
 * sections to close (once per wait, while it still waits). Committed as an instant event.
 */
@Name("io.vmarena.MoveWait")
@Label("Arena move waits for read sections")
@Category({"vmarena"})
@Description("A move of a shared arena has waited longer than its move wait warning for read sections to close")
final class ArenaMoveWaitEvent extends Event {
    @Label("Arena")
    String arena;
    @Label("Waited")
    @Timespan(Timespan.NANOSECONDS)
    long waitedNanos;
    @Label("Threads inside a read section")
    String threads;

    void commit(final String arenaName, final long waited, final String threadsInside) {
        if (shouldCommit()) {
            arena = arenaName;
            waitedNanos = waited;
            threads = threadsInside;
            commit();
        }
    }
}
