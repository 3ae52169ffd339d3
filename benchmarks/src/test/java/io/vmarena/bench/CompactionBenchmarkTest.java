package io.vmarena.bench;

import io.vmarena.CompactionResult;
import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the compaction suites promise scripts and the README, checked without timing anything:
 * their parameter names and default values, the methods they name, and a smoke run of each
 * layout on the simulator (built, compacted, every live byte read back). No timing here.
 */
class CompactionBenchmarkTest {
    private static final long SIMULATED_ARENA_BYTES = 16 * ChurnedSegments.SEGMENT_BYTES;

    private static String[] values(final Class<?> benchmark, final String field) throws NoSuchFieldException {
        final Param param = benchmark.getField(field).getAnnotation(Param.class);
        assertNotNull(param, benchmark.getSimpleName() + "." + field + " is a @Param");
        return param.value();
    }

    @Test
    void shouldOfferMoveAndCopyOverAGibibyteArena() throws NoSuchFieldException {
        assertArrayEquals(new String[] {"move", "copy"}, values(CompactionBenchmark.class, "method"));
        assertArrayEquals(new String[] {Long.toString(1L << 30)}, values(CompactionBenchmark.class, "arenaBytes"));
        assertArrayEquals(new String[] {Long.toString(256L << 20)}, values(EvacuationBenchmark.class, "cacheBytes"));
    }

    @Test
    void shouldBenchmarkCompactAndSlicesInBothSuites() {
        for (final Class<?> suite : new Class<?>[] {CompactionBenchmark.class, EvacuationBenchmark.class}) {
            final String[] names = Arrays.stream(suite.getMethods()).filter(m -> m.isAnnotationPresent(Benchmark.class))
                .map(Method::getName).sorted().toArray(String[]::new);
            assertArrayEquals(new String[] {"compact", "slices"}, names, suite.getSimpleName());
        }
    }

    @Test
    void shouldMoveWithTheDefaultStrategyAndCopyWithCopy() {
        assertEquals(MoveStrategy.AUTO, CompactionBenchmark.strategyOf("move"));
        assertEquals(MoveStrategy.COPY, CompactionBenchmark.strategyOf("copy"));
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> CompactionBenchmark.strategyOf("memcpy"));
        assertEquals("unknown method memcpy; one of move, copy", refused.getMessage());
    }

    @Test
    void shouldFreeTheSameHalfForEveryStrategy() {
        final int[] order = ChurnedSegments.shuffled(512, ChurnedSegments.SEED);
        assertArrayEquals(order, ChurnedSegments.shuffled(512, ChurnedSegments.SEED));
        final int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int index = 0; index < sorted.length; index++) {
            assertEquals(index, sorted[index], "a permutation of the blocks");
        }
    }

    @Test
    void shouldRefuseAnArenaThatIsNotTwoSegmentsAtATime() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ChurnedSegments.build(space, MoveStrategy.AUTO, 3 * ChurnedSegments.SEGMENT_BYTES));
            assertTrue(refused.getMessage().startsWith("arenaBytes must be a positive multiple of two segments"),
                refused.getMessage());
        }
    }

    @Test
    void shouldCompactTheChurnedSegmentsOnTheSimulatorByMoveAndByCopy() {
        for (final KernelProfile profile : new KernelProfile[] {KernelProfile.LINUX_6_17, KernelProfile.LINUX_6_1}) {
            for (final String method : new String[] {"move", "copy"}) {
                try (SimulatedAddressSpace space = new SimulatedAddressSpace(profile);
                    ChurnedSegments layout = ChurnedSegments.build(space, CompactionBenchmark.strategyOf(method),
                        SIMULATED_ARENA_BYTES)) {
                    final CompactionResult result = layout.arena().compact();

                    layout.check();
                    assertTrue(result.complete(), result.toString());
                    assertTrue(result.runs() > 0 && result.movedBytes() > 0, method + " on " + profile + ": " + result);
                    assertEquals(SIMULATED_ARENA_BYTES / ChurnedSegments.SEGMENT_BYTES / 2, layout.liveBlocks());
                }
            }
        }
    }

    @Test
    void shouldEvacuateTheChurnedCacheOnTheSimulatorWithinTheAllowance() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            ChurnedCache cache = ChurnedCache.build(space, 32 * ChurnedCache.SEGMENT_BYTES)) {
            final CompactionResult result = cache.arena().compact();

            cache.check();
            assertTrue(result.complete() && result.evacuatedBlocks() > 0, result.toString());
            final EvacuationCounters counters = new EvacuationCounters();
            counters.record(cache, result, 1);
            assertTrue(counters.residentBytesAfter <= counters.allowanceBytes, counters.residentBytesAfter + " bytes "
                + "resident after, allowance " + counters.allowanceBytes + ": " + result);
            assertTrue(counters.sizeClasses > 1 && counters.liveBytes > 0, "a mixed cache");
        }
    }
}
