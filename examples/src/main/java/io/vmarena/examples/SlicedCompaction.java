package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.CompactionResult;

import java.util.Arrays;

/**
 * A compaction run the way {@link Arena#compact()} runs it, one {@link Arena#compactSlice()}
 * after another until the arena is as compact as it gets, but with every slice's pause kept, so
 * the demo can show their spread and not only the longest.
 *
 * @param total the slices' results as one: the first's "before", the last's "after", the rest
 *     added up, the longest pause kept
 * @param sortedPauseNanos every slice's pause, shortest first
 * @param elapsedNanos the whole run, including each slice's reading of the memory figures before
 *     and after it (smaps on Linux), which happens outside its pause
 */
record SlicedCompaction(CompactionResult total, long[] sortedPauseNanos, long elapsedNanos) {
    /** More slices than this and the demo stops, saying so, rather than run on. */
    static final int MAX_SLICES = 100_000;

    static SlicedCompaction run(final Arena arena) {
        final long start = System.nanoTime();
        CompactionResult total = null;
        long[] pauses = new long[64];
        int slices = 0;
        do {
            final CompactionResult slice = arena.compactSlice();
            total = total == null ? slice : total.plus(slice);
            if (slices == pauses.length) {
                pauses = Arrays.copyOf(pauses, slices * 2);
            }
            pauses[slices++] = slice.longestPause().toNanos();
        } while (!total.complete() && slices < MAX_SLICES);
        final long elapsedNanos = System.nanoTime() - start;
        final long[] sorted = Arrays.copyOf(pauses, slices);
        Arrays.sort(sorted);
        return new SlicedCompaction(total, sorted, elapsedNanos);
    }

    /** The time the slices held the arena, all together: the compaction's own work. */
    long pausedNanos() {
        long sum = 0;
        for (final long pause : sortedPauseNanos) {
            sum += pause;
        }
        return sum;
    }

    /** The pause that {@code fraction} of the slices do not exceed (nearest rank). */
    long percentileNanos(final double fraction) {
        final int rank = (int)Math.ceil(fraction * sortedPauseNanos.length);
        return sortedPauseNanos[Math.max(0, Math.min(sortedPauseNanos.length - 1, rank - 1))];
    }
}
