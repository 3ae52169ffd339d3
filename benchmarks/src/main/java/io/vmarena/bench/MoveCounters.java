package io.vmarena.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What each move did, as JMH auxiliary counters (reported per operation): the
 * memory-management calls it made and the VMAs it moved (-1 when MULTI_VMA did not look).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class MoveCounters {
    public long systemCalls;
    public long vmasMoved;

    @Setup(Level.Iteration)
    public void clear() {
        systemCalls = 0;
        vmasMoved = 0;
    }
}
