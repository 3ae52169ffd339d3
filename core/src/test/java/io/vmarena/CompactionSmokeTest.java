package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Churn and compaction on simulated 6.17 and 6.1: every byte kept, freed handles refused, a second compaction a no-op. */
class CompactionSmokeTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldKeepEveryByteAndHandleThroughChurnAndCompaction() {
        for (final KernelProfile profile : new KernelProfile[] {KernelProfile.LINUX_6_17, KernelProfile.LINUX_6_1}) {
            final SimulatedAddressSpace space = new SimulatedAddressSpace(profile);
            try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(8 * SEGMENT_BYTES).maximumBytes(1024 * SEGMENT_BYTES).build()) {
                final LiveBlocks blocks = new LiveBlocks(space);
                final SplittableRandom random = new SplittableRandom(7);
                for (int round = 0; round < 6; round++) {
                    for (int index = 0; index < 300; index++) {
                        final long length = random.nextInt(4) == 0 ? SEGMENT_BYTES * (1 + random.nextInt(3))
                            : 16 + random.nextInt(4000);
                        final long handle = arena.allocate(length);
                        final LiveBlocks.Block block = blocks.add(handle, length, random.nextLong());
                        blocks.write(arena.address(handle), block, 0);
                    }
                    final java.util.List<Long> freed = new java.util.ArrayList<>();
                    for (int index = blocks.size() - 1; index >= 0; index--) {
                        if (random.nextInt(10) < 7) {
                            final long handle = blocks.remove(index).handle;
                            arena.free(handle);
                            freed.add(handle);
                        }
                    }
                    final CompactionResult result = arena.compact();
                    assertTrue(result.complete(), result.toString());
                    blocks.checkAll(arena::address, arena::capacity, "after compaction " + round + " on " + profile);
                    for (final long handle : freed) {
                        assertThrows(IllegalArgumentException.class, () -> arena.address(handle));
                    }
                    final CompactionResult again = arena.compact();
                    assertEquals(0, again.movedBytes(), again.toString());
                    assertEquals(0, again.copiedBytes(), again.toString());
                }
            }
            space.close();
        }
    }
}
