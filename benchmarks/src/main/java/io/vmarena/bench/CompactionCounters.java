package io.vmarena.bench;

import io.vmarena.CompactionResult;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What one compaction did, as JMH auxiliary counters: its {@link CompactionResult} (runs,
 * system calls, VMAs and memory before and after, slices, the longest pause) and, when run
 * slice by slice, the time of the calls against the time of the pauses: what each call spends
 * outside its pause is mostly the two reads of its before and after figures (mincore and PROCMAP_QUERY over the range). JMH sums an
 * EVENTS counter over the measurement iterations; each iteration is one compaction.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CompactionCounters {
    public long runs;
    public long systemCalls;
    public long vmasMoved;
    public long vmasBefore;
    public long vmasAfter;
    public long reservedBytesBefore;
    public long reservedBytesAfter;
    public long residentBytesBefore;
    public long residentBytesAfter;
    public long movedBytes;
    public long copiedBytes;
    public long slices;
    public long longestPauseNanos;
    /** The sum of the pauses of one-slice calls (compactSlice); 0 for compact(), which reports only its longest. */
    public long pauseNanos;
    /** The sum of the compaction calls' own times, measured around each call. */
    public long callNanos;

    @Setup(Level.Iteration)
    public void clear() {
        runs = 0;
        systemCalls = 0;
        vmasMoved = 0;
        vmasBefore = 0;
        vmasAfter = 0;
        reservedBytesBefore = 0;
        reservedBytesAfter = 0;
        residentBytesBefore = 0;
        residentBytesAfter = 0;
        movedBytes = 0;
        copiedBytes = 0;
        slices = 0;
        longestPauseNanos = 0;
        pauseNanos = 0;
        callNanos = 0;
    }

    /** Adds one call's result: the first call's "before" figures, the last call's "after" ones. */
    void add(final CompactionResult result, final long callNanosOfResult) {
        if (callNanos == 0) {
            vmasBefore = result.vmasBefore();
            reservedBytesBefore = result.reservedBytesBefore();
            residentBytesBefore = result.residentBytesBefore();
        }
        vmasAfter = result.vmasAfter();
        reservedBytesAfter = result.reservedBytesAfter();
        residentBytesAfter = result.residentBytesAfter();
        runs += result.runs();
        systemCalls += result.systemCalls();
        vmasMoved += result.vmasMoved();
        movedBytes += result.movedBytes();
        copiedBytes += result.copiedBytes();
        slices += result.slices();
        longestPauseNanos = Math.max(longestPauseNanos, result.longestPause().toNanos());
        if (result.slices() == 1) {
            pauseNanos += result.longestPause().toNanos();
        }
        callNanos += callNanosOfResult;
    }
}
