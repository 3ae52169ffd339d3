package io.vmarena;

import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pinned arena moved by every move strategy, COPY above all: a copy must leave the copies
 * locked as the originals were and the originals gone, so VmLck never counts a segment twice
 * and never loses one. The pinning model (every byte, pinnedBytes == locked VMAs == VmLck's
 * delta after every step) under a small memlock limit, so pins are partial too.
 */
class PinMoveStrategiesAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    /**
     * A large block that moves to grow, in an arena pinned near the limit: the destination used
     * to be locked when claimed, before the move brought the block's own locked VMAs there, so
     * for a moment the block counted twice against RLIMIT_MEMLOCK; at a tight limit the
     * destination's tail stayed unlocked and the arena PARTLY_PINNED although all of it fits.
     */
    @ParameterizedTest
    @EnumSource(value = MoveStrategy.class, names = {"AUTO", "COPY"})
    void shouldStayWhollyPinnedWhenALargeBlockMovesToGrowNearTheLimit(final MoveStrategy strategy) {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withMemlock(12 * SEGMENT_BYTES).withIpcLock(false));
            Arena arena = Arena.builder().name("realloc-at-limit").addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(16 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0)
                .moveStrategy(strategy).build()) {
            final io.vmarena.support.LiveBlocks blocks = new io.vmarena.support.LiveBlocks(space);
            final io.vmarena.support.LiveBlocks.Block large = blocks.add(arena.allocate(6 * SEGMENT_BYTES),
                6 * SEGMENT_BYTES, 1);
            blocks.write(arena.address(large.handle), large, 0);
            final io.vmarena.support.LiveBlocks.Block hemming = blocks.add(arena.allocate(SEGMENT_BYTES),
                SEGMENT_BYTES, 2);
            blocks.write(arena.address(hemming.handle), hemming, 0);
            org.junit.jupiter.api.Assertions.assertEquals(PinState.PINNED, arena.pin().state());
            final long address = arena.address(large.handle);

            large.handle = arena.reallocate(large.handle, 8 * SEGMENT_BYTES);

            assertTrue(arena.address(large.handle) != address, "the block moved to grow");
            final ArenaStats stats = arena.stats();
            org.junit.jupiter.api.Assertions.assertEquals(PinState.PINNED, stats.pin().state(),
                stats.pin()::reason);
            org.junit.jupiter.api.Assertions.assertEquals(9 * SEGMENT_BYTES, stats.pin().pinnedBytes());
            org.junit.jupiter.api.Assertions.assertEquals(stats.pin().pinnedBytes(), space.lockedBytes());
            blocks.checkAll(arena::address, arena::capacity, "after the move");
        }
    }

    @ParameterizedTest
    @EnumSource(value = MoveStrategy.class, names = "PER_VMA_KNOWN", mode = EnumSource.Mode.EXCLUDE)
    void shouldKeepExactLockAccountsWithEveryMoveStrategy(final MoveStrategy strategy) {
        for (final long seed : new long[] {11, 12, 13}) {
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
                .withMemlock(24 * SEGMENT_BYTES).withIpcLock(false))) {
                final String answer = new PinningModel(space, "strategy-" + strategy, SEGMENT_BYTES, 0,
                    builder -> builder.moveStrategy(strategy)).run(seed, 300);
                System.out.println(strategy + ": " + answer);
                assertTrue(answer.startsWith("ok "), answer);
            }
        }
    }
}
