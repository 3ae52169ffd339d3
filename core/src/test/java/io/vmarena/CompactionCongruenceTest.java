package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run at least a PMD long slides to a place congruent to its old one modulo the PMD, so the
 * kernel can move its page tables whole; shorter ones slide to the first free place. The PMD
 * comes from the running kernel's page size: with 2 MiB segments it is 1 place on 4 KiB pages
 * (2 MiB), 16 on 16 KiB pages (32 MiB) and 256 on 64 KiB pages (512 MiB).
 *
 * <pre>
 *  before  [A][ free x10 ][B B][ free x8 ][R x16 (at 21)][S S S]
 *  after   [A][B B][..][R x16 at 21 mod PMD, or 3][S S S]
 * </pre>
 */
class CompactionCongruenceTest {
    private static final long SEGMENT_BYTES = 2L << 20;

    @ParameterizedTest(name = "{0} B pages: the 16-segment run lands at {1}")
    @CsvSource({"4096, 3", "16384, 5", "65536, 3"})
    void shouldKeepARunOfAPmdOrMoreCongruentModuloThePmd(final long pageSize, final int runPlace) {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withPageSize(pageSize));
             Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
                 .initialBytes(40 * SEGMENT_BYTES).maximumBytes(128 * SEGMENT_BYTES).retainedBytes(0)
                 .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
            final long pmdPlaces = Math.max(1, space.capabilities().pmdBytes() / SEGMENT_BYTES);
            final LiveBlocks blocks = new LiveBlocks(space);
            final long a = allocate(arena, blocks, 1);
            final long gap = arena.allocate(10 * SEGMENT_BYTES);
            final long b = allocate(arena, blocks, 2);
            final long gap2 = arena.allocate(8 * SEGMENT_BYTES);
            final long r = allocate(arena, blocks, 16);
            final long s = allocate(arena, blocks, 3);
            assertEquals(21, placeOf(arena, r));
            arena.free(gap);
            arena.free(gap2);

            final CompactionResult result = arena.compact();

            assertEquals(0, placeOf(arena, a));
            assertEquals(1, placeOf(arena, b), "shorter than a PMD: the first free place");
            assertEquals(runPlace, placeOf(arena, r), "the first place congruent modulo the PMD, " + pmdPlaces
                + " places, if 16 is a PMD or more (else the first free place)");
            if (16 >= pmdPlaces) {
                assertEquals(21 % pmdPlaces, placeOf(arena, r) % pmdPlaces, "congruent modulo the PMD");
            }
            assertTrue(runPlace >= 3, "never below the segments before it");
            assertEquals(runPlace + 16, placeOf(arena, s), "shorter: right after the run");
            assertEquals(2, result.runs(), "B; then R and S, which move by the same distance: " + result);
            blocks.checkAll(arena::address, arena::capacity, pageSize + " B pages");
        }
    }

    private static long allocate(final Arena arena, final LiveBlocks blocks, final int segments) {
        final long handle = arena.allocate(segments * SEGMENT_BYTES);
        blocks.write(arena.address(handle), blocks.add(handle, segments * SEGMENT_BYTES, segments), 0);
        return handle;
    }

    private static int placeOf(final Arena arena, final long handle) {
        return (int)((arena.address(handle) - arena.baseAddress()) / SEGMENT_BYTES);
    }
}
