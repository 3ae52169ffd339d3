package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.CompactionResult;
import io.vmarena.ReadSection;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The pinned-service example's other tenant: a thread that shares the service's arena and, every
 * tick, allocates (and writes) or frees a few blocks, in bursts: it allocates until it holds
 * {@code highBytes}, then frees blocks at random until it holds a third of that, and again. The
 * pattern leaves class segments sparse and holes between runs, which is what compaction is for.
 * When compacting, it runs {@link Arena#compactSlice()} every {@link #COMPACT_EVERY_TICKS}
 * ticks: slices of the arena's pause budget, during which the request thread's read sections
 * wait. The sequence of sizes and frees is the seed's; how far it gets depends on the time given.
 *
 * <p>Figures are written by the churn thread alone and read by others while it runs (volatile).
 */
final class BackgroundChurn implements Runnable {
    static final long TICK_NANOS = 1_000_000;
    static final int COMPACT_EVERY_TICKS = 20;
    private static final int OPERATIONS_PER_TICK = 2;
    /** Most blocks are small (16 B to 8 KiB); one in fifty is a run of segments (a quarter segment to one). */
    private static final int LARGE_PERCENT = 2;

    private final Arena arena;
    private final boolean compacting;
    private final long highBytes;
    private final long segmentBytes;
    private final SplittableRandom random;
    private final long[] handles = new long[1 << 16];
    private final long[] blockBytes = new long[handles.length];
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private int blockCount;
    private long liveBytes;
    private boolean freeing;
    private volatile boolean stopped;
    private volatile long compactions;
    private volatile long movedBytes;
    private volatile long longestPauseNanos;
    private volatile long allocations;
    private volatile Throwable failure;

    BackgroundChurn(final Arena arena, final boolean compacting, final long highBytes, final long segmentBytes,
        final long seed) {
        this.arena = arena;
        this.compacting = compacting;
        this.highBytes = highBytes;
        this.segmentBytes = segmentBytes;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public void run() {
        try {
            for (long tick = 1; !stopped; tick++) {
                for (int i = 0; i < OPERATIONS_PER_TICK; i++) {
                    step();
                }
                if (compacting && tick % COMPACT_EVERY_TICKS == 0) {
                    compactSlice();
                }
                LockSupport.parkNanos(TICK_NANOS);
            }
            freeAll();
        } catch (final RuntimeException | Error e) {
            failure = e;
        }
    }

    /** Ends the loop; the thread frees its blocks and returns. */
    void stop() {
        stopped = true;
    }

    private void step() {
        if (liveBytes >= highBytes) {
            freeing = true;
        } else if (liveBytes <= highBytes / 3) {
            freeing = false;
        }
        if (freeing || blockCount == handles.length) {
            freeAt(random.nextInt(blockCount));
        } else {
            allocate();
        }
    }

    @SuppressWarnings("try") // the section is held for its effect: memory does not move under the view
    private void allocate() {
        final long lengthBytes = random.nextInt(100) < LARGE_PERCENT
            ? segmentBytes / 4 + random.nextLong(segmentBytes * 3 / 4 + 1)
            : ServiceValues.logUniform(random, 16, 8192);
        final long handle = arena.allocate(lengthBytes);
        try (ReadSection section = arena.read()) { // written, so its pages are resident as a real tenant's would be
            arena.wrap(view, handle);
            view.setMemory(0, (int)lengthBytes, (byte)blockCount);
        }
        handles[blockCount] = handle;
        blockBytes[blockCount++] = lengthBytes;
        liveBytes += lengthBytes;
        allocations++;
    }

    private void freeAt(final int index) {
        arena.free(handles[index]);
        liveBytes -= blockBytes[index];
        handles[index] = handles[--blockCount];
        blockBytes[index] = blockBytes[blockCount];
    }

    private void compactSlice() {
        final CompactionResult slice = arena.compactSlice();
        if (slice.runs() > 0 || slice.evacuatedBlocks() > 0 || slice.packedBlocks() > 0) {
            compactions++;
            movedBytes += slice.movedBytes() + slice.copiedBytes() + slice.packedBytes();
            longestPauseNanos = Math.max(longestPauseNanos, slice.longestPause().toNanos());
        }
    }

    private void freeAll() {
        while (blockCount > 0) {
            freeAt(blockCount - 1);
        }
    }

    /** Slices that moved or copied something. */
    long compactions() {
        return compactions;
    }

    /** Bytes those slices moved by page tables plus the bytes evacuation copied. */
    long movedBytes() {
        return movedBytes;
    }

    long longestPauseNanos() {
        return longestPauseNanos;
    }

    long allocations() {
        return allocations;
    }

    /** What ended the thread, or null. */
    Throwable failure() {
        return failure;
    }
}
