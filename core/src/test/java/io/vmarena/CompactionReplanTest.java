package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A compaction spans slices, and a shared arena changes between them: segments made sparse after
 * the compaction's evacuation plan are evacuated by its next slice, not slid and decommitted
 * first (cache-churn's background policy slid 150 segments at a tenth full, a run a slice, before
 * the next compaction's plan emptied them). A pause budget of a nanosecond makes each slice do
 * exactly one thing: one evacuation, or one run slid.
 */
class CompactionReplanTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final int BLOCK_BYTES = 64;
    private static final int SLOTS = (int)(SEGMENT_BYTES / BLOCK_BYTES);
    private final SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);

    @AfterEach
    void release() {
        space.close();
    }

    @Test
    void shouldEvacuateSegmentsMadeSparseAfterTheCompactionsPlanAtItsNextSlice() {
        final LiveBlocks blocks = new LiveBlocks(space);
        try (Arena arena = Arena.builder().name("replan").addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(16 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES)
            .compactionPauseBudget(Duration.ofNanos(1)).build()) {
            final long[] handles = new long[4 * SLOTS]; // four full segments, the last one current
            for (int index = 0; index < handles.length; index++) {
                handles[index] = arena.allocate(BLOCK_BYTES);
            }
            for (int index = 0; index < SLOTS; index++) {
                arena.free(handles[index]); // the first segment goes back: the other three slide down
            }
            assertEquals(3, arena.stats().classSegments());

            final CompactionResult planned = arena.compactSlice(); // plans (nothing sparse yet), slides one run
            assertEquals(0, planned.evacuatedSegments(), planned::toString);
            assertEquals(1, planned.runs(), planned::toString);
            assertFalse(planned.complete());

            // Between slices (another thread of a shared arena): the second and third segments
            // keep one block in 50 (20 and 21 of them).
            for (int index = SLOTS; index < 3 * SLOTS; index++) {
                if (index % 50 == 0) {
                    blocks.write(arena.address(handles[index]), blocks.add(handles[index], BLOCK_BYTES, index), 0);
                } else {
                    arena.free(handles[index]);
                }
            }
            for (int index = 3 * SLOTS; index < handles.length; index++) {
                blocks.write(arena.address(handles[index]), blocks.add(handles[index], BLOCK_BYTES, index), 0);
            }

            final CompactionResult next = arena.compactSlice();
            assertEquals(1, next.evacuatedSegments(), () -> "the next slice evacuates: " + next);
            assertEquals(20, next.evacuatedBlocks(), next::toString);
            assertEquals(0, next.runs(), next::toString);
            assertEquals(2, arena.stats().classSegments());
            blocks.checkAll(arena::address, arena::capacity, "after the evacuation");

            final CompactionResult rest = arena.compact();
            assertTrue(rest.complete());
            assertEquals(0, rest.evacuatedSegments(), rest::toString);
            assertEquals(2, arena.stats().classSegments());
            blocks.checkAll(arena::address, arena::capacity, "after the compaction");
        }
    }
}
