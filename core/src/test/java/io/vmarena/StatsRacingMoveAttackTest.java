package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.ForwardingAddressSpace;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Residency;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stats() and residency() of a confined arena from a monitoring thread while the owner grows it
 * by moving: the monitor read the base, then the owner moved the arena away from it. Before, the
 * monitor got the old place's figures: no VMA at all (the old range is gone) beside the resident
 * bytes it had read there, and a base the arena had left. The monitor must describe one place
 * the arena was at during its call. Made deterministic by an address space that holds the
 * monitor inside its first question about the range (stats(): the VMA query; residency(): the
 * walk) until the owner has moved the arena.
 */
class StatsRacingMoveAttackTest {
    @Test
    void shouldGiveAMonitorTheFiguresOfOnePlaceWhenTheOwnerMovesTheArenaUnderIt() throws Exception {
        final List<ArenaStats> figures = raceAMove(Arena::stats);
        final ArenaStats before = figures.get(0);
        final ArenaStats raced = figures.get(1);
        final ArenaStats after = figures.get(2);
        assertTrue(after.moves() > before.moves(), "the owner moved the arena: " + after);
        assertTrue(raced.vmaCount() > 0, "an arena always has a VMA: " + raced);
        assertEquals(after.baseAddress(), raced.baseAddress(), "where the arena is: " + raced);
        assertEquals(after.reservedBytes(), raced.reservedBytes(), raced.toString());
        assertEquals(after.vmaCount(), raced.vmaCount(), raced.toString());
        assertEquals(after.residentBytes(), raced.residentBytes(), raced.toString());
        assertEquals(after.committedBytes(), raced.committedBytes(), raced.toString());
    }

    @Test
    void shouldGiveAMonitorTheMeasuredFiguresOfOnePlaceWhenTheOwnerMovesTheArenaUnderIt() throws Exception {
        final List<ArenaResidency> figures = raceAMove(Arena::residency);
        assertTrue(figures.get(0).residentBytes() < figures.get(2).residentBytes(), figures::toString);
        assertEquals(figures.get(2), figures.get(1), "the figures of where the arena is now");
    }

    /** {before, the monitor's, after}: the monitor held inside its first question until the owner moved the arena. */
    private static <T> List<T> raceAMove(final Function<Arena, T> read) throws Exception {
        final CountDownLatch monitorInside = new CountDownLatch(1);
        final CountDownLatch ownerMoved = new CountDownLatch(1);
        final SimulatedAddressSpace sim = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
        final Thread owner = Thread.currentThread();
        final AddressSpace space = new ForwardingAddressSpace(sim) {
            @Override
            public Residency residency(final long fromAddress, final long toAddress, final long[] within) {
                holdTheMonitor();
                return super.residency(fromAddress, toAddress, within);
            }

            @Override
            public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
                holdTheMonitor();
                return super.mappings(fromAddress, toAddress, source);
            }

            private void holdTheMonitor() {
                if (Thread.currentThread() != owner && monitorInside.getCount() > 0) {
                    monitorInside.countDown();
                    await(ownerMoved);
                }
            }
        };
        final long segmentBytes = Math.max(64L << 10, 4 * sim.pageSize());
        try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(segmentBytes).initialBytes(4 * segmentBytes)
            .maximumBytes(1024 * segmentBytes).inPlaceGrowth(false).build()) {
            final long small = arena.allocate(100);
            arena.put(small, 0, new byte[100], 0, 100);
            final T before = read.apply(arena);
            final CompletableFuture<T> monitor = CompletableFuture.supplyAsync(() -> read.apply(arena));
            assertTrue(monitorInside.await(10, TimeUnit.SECONDS), "the monitor reached the address space");

            final long large = arena.allocate(8 * segmentBytes); // beyond the reservation: the arena moves
            arena.put(large, 0, new byte[(int)(8 * segmentBytes)], 0, (int)(8 * segmentBytes));
            ownerMoved.countDown();
            final T raced = monitor.get(10, TimeUnit.SECONDS);
            return List.of(before, raced, read.apply(arena));
        } finally {
            sim.close();
        }
    }

    private static void await(final CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS), "the owner moved");
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
