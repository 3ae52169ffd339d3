package io.vmarena.bench;

import io.vmarena.CompactionResult;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What one evacuating compaction of {@link EvacuationBenchmark}'s cache did, as JMH auxiliary
 * counters: the arena's resident bytes before and after against the live bytes, and the target's
 * allowance (live bytes plus a tenth, plus one segment per size class in use). JMH sums an
 * EVENTS counter over the measurement iterations; each iteration is one compaction.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class EvacuationCounters {
    public long residentBytesBefore;
    public long residentBytesAfter;
    public long givenBackBytes;
    /** What the live blocks asked for. */
    public long liveBytes;
    /** What the live blocks hold: their classes' sizes. */
    public long liveCapacityBytes;
    public long sizeClasses;
    /** The target: RSS after at most live bytes plus 10%, plus one segment per size class. */
    public long allowanceBytes;
    public long copiedBytes;
    public long evacuatedBlocks;
    public long evacuatedSegments;
    /** What packing copied (the top blocks of the segments evacuation kept, into their free slots below). */
    public long packedBytes;
    public long packedBlocks;
    public long vmasBefore;
    public long vmasAfter;
    public long reservedBytesBefore;
    public long reservedBytesAfter;
    public long slices;
    public long longestPauseNanos;
    public double nanosPerMiBGivenBack;

    @Setup(Level.Iteration)
    public void clear() {
        residentBytesBefore = 0;
        residentBytesAfter = 0;
        givenBackBytes = 0;
        liveBytes = 0;
        liveCapacityBytes = 0;
        sizeClasses = 0;
        allowanceBytes = 0;
        copiedBytes = 0;
        evacuatedBlocks = 0;
        evacuatedSegments = 0;
        packedBytes = 0;
        packedBlocks = 0;
        vmasBefore = 0;
        vmasAfter = 0;
        reservedBytesBefore = 0;
        reservedBytesAfter = 0;
        slices = 0;
        longestPauseNanos = 0;
        nanosPerMiBGivenBack = 0;
    }

    void record(final ChurnedCache cache, final CompactionResult result, final long callNanos) {
        residentBytesBefore = result.residentBytesBefore();
        residentBytesAfter = result.residentBytesAfter();
        givenBackBytes = result.residentBytesBefore() - result.residentBytesAfter();
        liveBytes = cache.liveBytes();
        liveCapacityBytes = cache.liveCapacityBytes();
        sizeClasses = cache.liveClasses();
        allowanceBytes = cache.liveBytes() + cache.liveBytes() / 10 + sizeClasses * ChurnedCache.SEGMENT_BYTES;
        copiedBytes = result.copiedBytes();
        evacuatedBlocks = result.evacuatedBlocks();
        evacuatedSegments = result.evacuatedSegments();
        packedBytes = result.packedBytes();
        packedBlocks = result.packedBlocks();
        vmasBefore = result.vmasBefore();
        vmasAfter = result.vmasAfter();
        reservedBytesBefore = result.reservedBytesBefore();
        reservedBytesAfter = result.reservedBytesAfter();
        slices = result.slices();
        longestPauseNanos = result.longestPause().toNanos();
        nanosPerMiBGivenBack = givenBackBytes <= 0 ? 0 : callNanos / (givenBackBytes / (double)(1L << 20));
    }
}
