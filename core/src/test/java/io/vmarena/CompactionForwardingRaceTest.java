package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * In a shared arena a reader may look up a handle while another thread frees a block: frees do
 * not move memory, so read sections do not hold them off. An evacuated segment's old handles are
 * all forwarded through one table; a reader following one forward while a writer frees another
 * block through its old handle (which ends that forward) must still find its block. Each round
 * evacuates a segment of 16-byte blocks and has the reader resolve half of the old handles
 * while the writer frees the other half through theirs. A race test: before the fix it failed in
 * each of three runs (at rounds 0, 26 and 162); more rounds with {@code -Dvmarena.forwarding.rounds=N}.
 */
class CompactionForwardingRaceTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final int ROUNDS = Integer.getInteger("vmarena.forwarding.rounds", 400);

    @Test
    void shouldFindAForwardedBlockWhileAnotherThreadFreesItsNeighboursThroughTheirOldHandles()
        throws InterruptedException {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
             Arena arena = Arena.builder().addressSpace(space).threading(Threading.SHARED).segmentBytes(SEGMENT_BYTES)
                 .initialBytes(16 * SEGMENT_BYTES).evacuationThreshold(0.5)
                 .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
            final int slots = (int)(SEGMENT_BYTES / 16);
            for (int round = 0; round < ROUNDS; round++) {
                // a third of the first segment live (evacuated), the lower half of the second (the destination:
                // the evacuees fill its upper half from the bottom, nothing to pack), the third full
                final long[] handles = new long[3 * slots];
                for (int index = 0; index < handles.length; index++) {
                    handles[index] = arena.allocate(16);
                }
                final List<Long> kept = new ArrayList<>();
                final List<Long> doomed = new ArrayList<>();
                final List<Long> rest = new ArrayList<>();
                for (int index = 0; index < handles.length; index++) {
                    if (index < slots && index % 3 == 0) {
                        (index % 2 == 0 ? kept : doomed).add(handles[index]);
                    } else if (index < 2 * slots && index >= slots + slots / 2 || index < slots) {
                        arena.free(handles[index]);
                    } else {
                        rest.add(handles[index]);
                    }
                }
                final LiveBlocks blocks = new LiveBlocks(space);
                for (final long handle : kept) {
                    blocks.write(arena.address(handle), blocks.add(handle, 16, handle), 0);
                }
                final CompactionResult result = arena.compact();
                assertEquals(kept.size() + doomed.size(), result.evacuatedBlocks(), result::toString);
                final AtomicReference<Throwable> failure = new AtomicReference<>();
                final CountDownLatch start = new CountDownLatch(2);
                final Thread writer = new Thread(() -> {
                    start.countDown();
                    try {
                        start.await();
                        doomed.forEach(arena::free);
                    } catch (final Throwable thrown) {
                        failure.compareAndSet(null, thrown);
                    }
                }, "writer");
                writer.start();
                start.countDown();
                try {
                    start.await();
                    for (int pass = 0; pass < 2 || writer.isAlive(); pass++) { // for as long as the writer frees
                        for (final LiveBlocks.Block block : blocks.blocks()) {
                            try (ReadSection section = arena.read()) {
                                blocks.check(arena.address(block.handle), block.seed, 16, "round " + round);
                            }
                        }
                    }
                } catch (final Throwable thrown) {
                    failure.compareAndSet(null, thrown);
                }
                writer.join();
                if (failure.get() != null) {
                    throw new AssertionError("round " + round, failure.get());
                }
                kept.forEach(arena::free);
                rest.forEach(arena::free);
            }
        }
    }
}
