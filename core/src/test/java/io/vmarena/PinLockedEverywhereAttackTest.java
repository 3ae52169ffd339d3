package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.support.LockedEverywhere;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pinned arena in a process where every MADV_DONTNEED is refused with EINVAL, as when the JVM
 * runs under mlockall(MCL_FUTURE) (Elasticsearch's bootstrap.memory_lock) or something else
 * keeps the arena's VMAs locked: the pinning unlocks free segments beyond the retained ceiling
 * to give them back, the give-back is refused, and the segments stay retained. The arena must
 * stay pinned (what it keeps, it keeps locked), its account of locked bytes exact, and every
 * byte where it was.
 */
class PinLockedEverywhereAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldStayWhollyPinnedWithExactAccountsWhenGivingBackIsRefused() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withMemlock(KernelProfile.UNLIMITED))) {
            final LockedEverywhere space = new LockedEverywhere(simulator);
            try (Arena arena = Arena.builder().name("locked-everywhere").addressSpace(space)
                .segmentBytes(SEGMENT_BYTES).initialBytes(8 * SEGMENT_BYTES).maximumBytes(128 * SEGMENT_BYTES)
                .retainedBytes(0).build()) {
                final LiveBlocks blocks = new LiveBlocks(space);
                final SplittableRandom random = new SplittableRandom(5);
                for (int index = 0; index < 30; index++) {
                    final long lengthBytes = index % 3 == 0 ? 2 * SEGMENT_BYTES + 100 : 1 + random.nextInt(3000);
                    final long handle = arena.allocate(lengthBytes);
                    blocks.write(arena.address(handle), blocks.add(handle, lengthBytes, random.nextLong()), 0);
                }
                assertEquals(PinState.PINNED, arena.pin().state());

                for (int index = blocks.size() - 1; index >= 0; index -= 2) {
                    arena.free(blocks.remove(index).handle); // runs beyond the retained ceiling of 0
                }
                arena.trim(Long.MAX_VALUE);
                assertTrue(space.refusedAdvice > 0, "give-backs were refused");

                assertWhollyPinned(arena, simulator, "after refused give-backs");
                blocks.checkAll(arena::address, arena::capacity, "after refused give-backs");
                final long handle = arena.allocate(5 * SEGMENT_BYTES);
                blocks.write(arena.address(handle), blocks.add(handle, 5 * SEGMENT_BYTES, 9), 0);
                assertTrue(arena.compact().complete());
                assertWhollyPinned(arena, simulator, "after compaction");
                blocks.checkAll(arena::address, arena::capacity, "after compaction");
                assertEquals(PinState.UNPINNED, arena.unpin().state());
                assertEquals(0, simulator.lockedBytes());
            }
        }
    }

    private static void assertWhollyPinned(final Arena arena, final SimulatedAddressSpace simulator,
        final String step) {
        final ArenaStats stats = arena.stats();
        assertEquals(PinState.PINNED, stats.pin().state(), step + ": " + stats.pin().reason());
        assertEquals(PinningSteps.heldBytes(arena, SEGMENT_BYTES), stats.pin().pinnedBytes(), step + ": " + stats);
        assertEquals(stats.pin().pinnedBytes(), simulator.lockedBytes(), step + ": VmLck");
        assertEquals(stats.pin().pinnedBytes(), PinningSteps.lockedVmaBytes(simulator, stats), step + ": locked VMAs");
    }
}
