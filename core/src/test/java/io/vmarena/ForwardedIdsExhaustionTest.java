package io.vmarena;


import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Forwards hold segment ids (an evacuated segment keeps its id while a block it forwarded lives),
 * and ids are as many as the arena's maximum has places. Compactions without a relocation
 * listener that evacuate long-lived blocks again and again once ran an arena of 64 segments out
 * of ids at round 60 with 4 KiB live (ArenaFullException on allocate); evacuation now leaves
 * ids to spare, and falls back to sliding alone.
 */
class ForwardedIdsExhaustionTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldNotRunOutOfSegmentIdsWhenCompactionsWithoutAListenerEvacuateLongLivedBlocks() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            Arena arena = Arena.builder().addressSpace(simulator).segmentBytes(SEGMENT_BYTES)
                .initialBytes(8 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0)
                .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
            final LiveBlocks blocks = new LiveBlocks(simulator);
            final int slots = (int)(SEGMENT_BYTES / 64);
            final List<Long> survivors = new ArrayList<>();
            for (int round = 0; round < 200; round++) {
                final long[] handles = new long[2 * slots];
                for (int index = 0; index < handles.length; index++) {
                    handles[index] = arena.allocate(64); // round 60 once: ArenaFullException, ids all FORWARDED
                }
                for (int index = 0; index < handles.length; index++) {
                    if (index % 97 == round % 97 && survivors.size() < 64) {
                        survivors.add(handles[index]);
                        blocks.write(arena.address(handles[index]), blocks.add(handles[index], 64, round * 1000L + index),
                            0);
                    } else {
                        arena.free(handles[index]);
                    }
                }
                assertTrue(arena.compact().complete());
                blocks.checkAll(arena::address, arena::capacity, "round " + round);
            }
        }
    }
}
