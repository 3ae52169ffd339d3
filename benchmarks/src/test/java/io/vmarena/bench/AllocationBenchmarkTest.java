package io.vmarena.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the allocation suite promises scripts and readers, checked without running it: its
 * parameter values, the contenders they name, and the mixed sizes. No timing here.
 */
class AllocationBenchmarkTest {
    @Test
    void shouldOfferEveryContenderAsAnAllocatorParameter() throws NoSuchFieldException {
        final Param param = AllocationBenchmark.Allocator.class.getField("allocator").getAnnotation(Param.class);
        assertArrayEquals(Contender.NAMES, param.value());
    }

    @Test
    void shouldRefuseAnUnknownAllocatorNamingTheKnownOnes() {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> Contender.of("jemalloc"));
        assertTrue(refused.getMessage().contains("vmarena-confined, vmarena-shared"), refused.getMessage());
    }

    @Test
    void shouldSkipFfmWithTheReasonBeforeJdk22() {
        final int feature = Runtime.version().feature();
        assumeTrue(feature < 22, "this JVM is " + feature + ", where ffm-confined runs: "
            + "shouldRunFfmFromJdk22 checks it instead");
        final IllegalStateException skipped = assertThrows(IllegalStateException.class,
            () -> Contender.of("ffm-confined"));
        assertEquals("skipped: ffm-confined needs JDK 22+, running on " + feature, skipped.getMessage());
    }

    @Test
    void shouldRunFfmFromJdk22() {
        final int feature = Runtime.version().feature();
        assumeTrue(feature >= 22, "ffm-confined needs JDK 22+ and this JVM is " + feature
            + ": shouldSkipFfmWithTheReasonBeforeJdk22 checks the refusal instead");
        try (Contender ffm = Contender.of("ffm-confined")) {
            ffm.ring(2);
            ffm.replace(0, 64);
            ffm.replace(1, 16384);
            ffm.replace(0, 1024);
        }
    }

    @Test
    void shouldDrawTheSameSkewedSizesFromTheSameSeed() {
        final int[] sizes = AllocationBenchmark.MixedSizes.draw(AllocationBenchmark.MixedSizes.SEED,
            AllocationBenchmark.MixedSizes.COUNT);
        assertArrayEquals(sizes, AllocationBenchmark.MixedSizes.draw(AllocationBenchmark.MixedSizes.SEED,
            AllocationBenchmark.MixedSizes.COUNT));
        final int[] sorted = sizes.clone();
        Arrays.sort(sorted);
        assertEquals(AllocationBenchmark.MixedSizes.MINIMUM_BYTES, sorted[0]);
        assertTrue(sorted[sorted.length - 1] <= AllocationBenchmark.MixedSizes.MAXIMUM_BYTES);
        assertEquals(90, sorted[sorted.length / 2], "the median the class comment quotes");
        assertEquals(1, Integer.bitCount(AllocationBenchmark.MixedSizes.COUNT), "the ring walks the sizes with a mask");
    }
}
