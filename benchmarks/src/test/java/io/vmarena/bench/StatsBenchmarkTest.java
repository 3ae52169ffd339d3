package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the stats suite promises scripts and the README, checked without timing anything: its
 * parameter names and default values, and its region built on the simulator with the VMAs and
 * resident bytes it claims. No timing here.
 */
class StatsBenchmarkTest {
    private static String[] values(final String field) throws NoSuchFieldException {
        return StatsBenchmark.class.getField(field).getAnnotation(Param.class).value();
    }

    @Test
    void shouldOfferEverySourceOverAGibibyteInOneAndAHundredVmasOfSmallAndHugePages() throws NoSuchFieldException {
        assertArrayEquals(new String[] {"stats", "residency", "smaps", "mincore"}, values("source"));
        assertArrayEquals(new String[] {"REFUSED", "WANTED"}, values("hugePages"));
        assertArrayEquals(new String[] {"1", "100"}, values("vmaCount"));
        assertArrayEquals(new String[] {Long.toString(1L << 30)}, values("regionBytes"));
    }

    @Test
    void shouldRefuseAnUnknownSourceNamingTheKnownOnes() {
        assertEquals(StatsBenchmark.Source.STATS, StatsBenchmark.sourceOf("stats"));
        assertEquals(StatsBenchmark.Source.RESIDENCY, StatsBenchmark.sourceOf("residency"));
        assertEquals(StatsBenchmark.Source.SMAPS, StatsBenchmark.sourceOf("smaps"));
        assertEquals(StatsBenchmark.Source.MINCORE, StatsBenchmark.sourceOf("mincore"));
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> StatsBenchmark.sourceOf("procfs"));
        assertEquals("unknown source procfs; one of stats, residency, smaps, mincore", refused.getMessage());
    }

    @Test
    void shouldBuildTheRegionWithItsVmasAndEveryLivePageResident() {
        final long regionBytes = 20 * StatsRegion.SEGMENT_BYTES;
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withMemlock(KernelProfile.UNLIMITED))) {
            try (Arena arena = StatsRegion.build(space, regionBytes, 1)) {
                final ArenaStats stats = arena.stats();
                assertEquals(1, stats.vmaCount());
                assertEquals(regionBytes, stats.residentBytes());
                assertEquals(regionBytes, stats.lockedBytes());
                assertEquals(new ArenaResidency(regionBytes, regionBytes, 0), arena.residency(), "every page written");
            }
            try (Arena arena = StatsRegion.build(space, regionBytes + 3 * StatsRegion.SEGMENT_BYTES, 10)) {
                final ArenaStats stats = arena.stats();
                assertEquals(10, stats.vmaCount());
                assertEquals(regionBytes - 2 * StatsRegion.SEGMENT_BYTES, stats.residentBytes(), stats.toString());
                assertEquals(stats.residentBytes(), stats.lockedBytes(), "the live blocks stay pinned");
                assertEquals(new ArenaResidency(stats.residentBytes(), stats.lockedBytes(), 0), arena.residency());
                assertTrue(StatsRegion.smapsFigures(space, stats.baseAddress(), regionBytes) > 0);
                assertEquals(stats.residentBytes() + 10, StatsRegion.mincoreFigures(space, stats.baseAddress(),
                    regionBytes + 3 * StatsRegion.SEGMENT_BYTES), "resident bytes and VMAs");
            }
        }
    }

    @Test
    void shouldRefuseAVmaCountTheRegionCannotHold() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> StatsRegion.build(space, 20 * StatsRegion.SEGMENT_BYTES, 3));
            assertTrue(refused.getMessage().startsWith("vmaCount must be 1 or even"), refused.getMessage());
            refused = assertThrows(IllegalArgumentException.class,
                () -> StatsRegion.build(space, 20 * StatsRegion.SEGMENT_BYTES, 22));
            assertTrue(refused.getMessage().startsWith("vmaCount must be 1 or even"), refused.getMessage());
        }
    }
}
