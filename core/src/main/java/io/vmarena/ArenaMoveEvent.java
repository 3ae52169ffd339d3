package io.vmarena;

import io.vmarena.vm.MoveResult;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR: an arena moved memory without copying it, to grow or to reallocate a large block.
 * Created and begun before the move, committed after it.
 */
@Name("io.vmarena.Move")
@Label("Arena move")
@Category({"vmarena"})
@Description("An arena moved a range of its memory with mremap, to grow or to reallocate a large block")
final class ArenaMoveEvent extends Event {
    @Label("Arena")
    String arena;
    @Label("Reason")
    String reason;
    @Label("Length")
    @DataAmount
    long lengthBytes;
    @Label("Strategy")
    String strategy;
    @Label("System calls")
    int systemCalls;

    void commit(final String arenaName, final String why, final long movedBytes, final MoveResult result) {
        if (shouldCommit()) {
            arena = arenaName;
            reason = why;
            lengthBytes = movedBytes;
            strategy = result.strategy().name();
            systemCalls = result.systemCalls();
            commit();
        }
    }
}
