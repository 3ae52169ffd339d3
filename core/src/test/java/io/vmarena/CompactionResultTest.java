package io.vmarena;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link CompactionResult#plus}: the first's before, the later's after, the rest added up. */
class CompactionResultTest {
    @Test
    void shouldAddTwoSlicesUpAsOneCompaction() {
        final CompactionResult first = new CompactionResult(10, 20, 3, 1, 70, 7, 2, 2, 4, 5, 7, 6, 100, 90, 80, 70, 60, 50, 1,
            Duration.ofNanos(400_000), false);
        final CompactionResult later = new CompactionResult(1, 2, 1, 0, 50, 5, 1, 1, 1, 1, 6, 5, 90, 40, 70, 30, 50, 20, 2,
            Duration.ofNanos(300_000), true);

        assertEquals(new CompactionResult(11, 22, 4, 1, 120, 12, 3, 3, 5, 6, 7, 5, 100, 40, 80, 30, 60, 20, 3,
            Duration.ofNanos(400_000), true), first.plus(later));
        assertEquals(Duration.ofNanos(400_000), later.plus(first).longestPause(), "the longer pause, whichever is first");
        assertEquals(false, later.plus(first).complete(), "complete as the later one is");
    }
}
