package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.ForwardingAddressSpace;
import io.vmarena.vm.Residency;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stats() of a confined arena from a monitoring thread while the owner grows it by moving: the
 * monitor read the base, then the owner moved the arena away from it. Before, the monitor got
 * the old place's figures: no VMA at all (the old range is gone) beside the resident bytes it had
 * read there, and a base the arena had left. The monitor must describe one place the arena was
 * at during its call. Made deterministic by an address space that holds the monitor inside its
 * first residency call until the owner has moved the arena.
 */
class StatsRacingMoveAttackTest {
    @Test
    void shouldGiveAMonitorTheFiguresOfOnePlaceWhenTheOwnerMovesTheArenaUnderIt() throws Exception {
        final CountDownLatch monitorInside = new CountDownLatch(1);
        final CountDownLatch ownerMoved = new CountDownLatch(1);
        final SimulatedAddressSpace sim = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
        final Thread owner = Thread.currentThread();
        final AddressSpace space = new ForwardingAddressSpace(sim) {
            @Override
            public Residency residency(final long fromAddress, final long toAddress, final long[] within) {
                if (Thread.currentThread() != owner && monitorInside.getCount() > 0) {
                    monitorInside.countDown();
                    await(ownerMoved);
                }
                return super.residency(fromAddress, toAddress, within);
            }
        };
        final long segmentBytes = Math.max(64L << 10, 4 * sim.pageSize());
        try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(segmentBytes).initialBytes(4 * segmentBytes)
            .maximumBytes(1024 * segmentBytes).inPlaceGrowth(false).build()) {
            final long small = arena.allocate(100);
            arena.put(small, 0, new byte[100], 0, 100);
            final ArenaStats before = arena.stats();
            final CompletableFuture<ArenaStats> monitor = CompletableFuture.supplyAsync(arena::stats);
            assertTrue(monitorInside.await(10, TimeUnit.SECONDS), "the monitor reached residency()");

            final long large = arena.allocate(8 * segmentBytes); // beyond the reservation: the arena moves
            arena.put(large, 0, new byte[(int)(8 * segmentBytes)], 0, (int)(8 * segmentBytes));
            ownerMoved.countDown();
            final ArenaStats raced = monitor.get(10, TimeUnit.SECONDS);
            final ArenaStats after = arena.stats();

            assertTrue(after.moves() > before.moves(), "the owner moved the arena: " + after);
            assertTrue(raced.vmaCount() > 0, "an arena always has a VMA: " + raced);
            assertEquals(after.baseAddress(), raced.baseAddress(), "where the arena is: " + raced);
            assertEquals(after.reservedBytes(), raced.reservedBytes(), raced.toString());
            assertEquals(after.vmaCount(), raced.vmaCount(), raced.toString());
            assertEquals(after.residentBytes(), raced.residentBytes(), raced.toString());
            assertEquals(after.committedBytes(), raced.committedBytes(), raced.toString());
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
