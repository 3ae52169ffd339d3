package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9 attack on handles: in checked mode, an arena accepts exactly its live handles. Every
 * other long (bits flipped in a live handle, freed and stale handles of class segments and of
 * runs, handles of a segment that became a run and a class segment again, another geometry's
 * handles, random ones) is refused by every call with an {@link IllegalArgumentException}, and
 * refusing it changes nothing: every byte of every live block is checked after.
 */
class HandleForgeryTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldAcceptExactlyTheLiveHandles() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final LiveBlocks blocks = new LiveBlocks(simulator);
            final Set<Long> dead = new HashSet<>();
            try (Arena arena = builder(simulator, SEGMENT_BYTES).name("forged").build();
                Arena other = builder(simulator, 2 * SEGMENT_BYTES).name("other-geometry").build()) {
                for (final long length : new long[] {16, 17, 64, 100, 1000, 4000, 16000}) {
                    allocate(arena, blocks, length);
                    dead.add(other.allocate(length));
                }
                // A segment of small blocks given back, a run over it, then small blocks again.
                final long[] small = new long[8];
                for (int index = 0; index < small.length; index++) {
                    small[index] = arena.allocate(8000);
                }
                for (final long handle : small) {
                    arena.free(handle);
                    dead.add(handle);
                }
                arena.trim(Long.MAX_VALUE);
                final long run = arena.allocate(3 * SEGMENT_BYTES);
                arena.free(run);
                dead.add(run);
                arena.trim(Long.MAX_VALUE);
                for (int index = 0; index < small.length; index++) {
                    allocate(arena, blocks, 8000);
                }
                final long grown = arena.allocate(2 * SEGMENT_BYTES);
                dead.add(grown);
                blocks.write(arena.address(blocks.add(arena.reallocate(grown, 5 * SEGMENT_BYTES), 5 * SEGMENT_BYTES, 3)
                    .handle), blocks.blocks().get(blocks.size() - 1), 0);
                final long shrunk = arena.allocate(SEGMENT_BYTES);
                dead.add(shrunk);
                final long smallAgain = arena.reallocate(shrunk, 40);
                dead.add(smallAgain);
                arena.free(smallAgain);

                final Set<Long> live = new HashSet<>();
                blocks.blocks().forEach(block -> live.add(block.handle));
                dead.removeAll(live);
                final SplittableRandom random = new SplittableRandom(9);
                final Set<Long> forged = new HashSet<>(dead);
                for (final long handle : live) {
                    for (int bit = 0; bit < 64; bit++) {
                        forged.add(handle ^ (1L << bit));
                    }
                    forged.add(handle + 1);
                    forged.add(handle - 1);
                    forged.add(-handle);
                }
                for (int index = 0; index < 2000; index++) {
                    forged.add(random.nextLong());
                    forged.add(random.nextLong() >>> 20);
                    forged.add(random.nextLong() >>> 40);
                }
                forged.add(0L);
                forged.add(Long.MIN_VALUE);
                forged.add(Long.MAX_VALUE);
                forged.add(-1L);
                forged.removeAll(live);

                final UnsafeBuffer view = new UnsafeBuffer(0, 0);
                int refused = 0;
                for (final long handle : forged) {
                    for (final org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                        () -> arena.address(handle), () -> arena.capacity(handle), () -> arena.wrap(view, handle),
                        () -> arena.free(handle), () -> arena.reallocate(handle, 64),
                        () -> arena.reallocate(handle, 3 * SEGMENT_BYTES))) {
                        final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, call,
                            () -> "0x" + Long.toHexString(handle) + " was accepted");
                        assertTrue(failure.getMessage().contains("in arena 'forged'"), failure.getMessage());
                        refused++;
                    }
                }
                assertTrue(refused > 10_000, "refused " + refused);
                blocks.checkAll(arena::address, arena::capacity, "after the forged handles");
                for (final LiveBlocks.Block block : blocks.blocks()) {
                    arena.free(block.handle);
                }
                assertEquals(0, arena.stats().runSegments(), "every block freed by its handle");
            }
        }
    }

    private static void allocate(final Arena arena, final LiveBlocks blocks, final long lengthBytes) {
        final long handle = arena.allocate(lengthBytes);
        blocks.write(arena.address(handle), blocks.add(handle, lengthBytes, handle), 0);
    }

    private static Arena.Builder builder(final SimulatedAddressSpace simulator, final long segmentBytes) {
        return Arena.builder().addressSpace(simulator).segmentBytes(segmentBytes).initialBytes(8 * segmentBytes)
            .maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0);
    }
}
