package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pin(), unpin() and populate() called where a change is not allowed: from a thread that does
 * not own a confined arena, inside a read section (a pin may move nothing, yet the section's
 * promise is that no change runs), from a relocation listener (the compaction is moving the
 * arena), and on a closed arena. Each is an IllegalStateException naming the reason; nothing
 * is locked by the refused call, and the arena works after.
 */
class PinReentryAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private final SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
        .withMemlock(KernelProfile.UNLIMITED));

    @AfterEach
    void release() {
        space.close();
    }

    private Arena.Builder arena(final Threading threading) {
        return Arena.builder().name("pin-reentry").addressSpace(space).threading(threading)
            .segmentBytes(SEGMENT_BYTES).initialBytes(16 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES)
            .compactionPauseBudget(Duration.ofSeconds(60));
    }

    private static List<Supplier<Object>> residencyCalls(final Arena arena) {
        return List.of(arena::pin, arena::unpin, arena::populate);
    }

    @Test
    void shouldRefuseResidencyCallsFromAThreadThatDoesNotOwnAConfinedArena() throws Exception {
        try (Arena arena = arena(Threading.CONFINED).build()) {
            arena.allocate(3 * SEGMENT_BYTES);
            final List<Throwable> refusals = new ArrayList<>();
            final Thread other = new Thread(() -> {
                for (final Supplier<Object> call : residencyCalls(arena)) {
                    try {
                        call.get();
                        refusals.add(new AssertionError("allowed from another thread"));
                    } catch (final Throwable refused) {
                        refusals.add(refused);
                    }
                }
            });
            other.start();
            other.join();
            assertEquals(3, refusals.size());
            for (final Throwable refused : refusals) {
                assertEquals(IllegalStateException.class, refused.getClass(), refused::toString);
                assertTrue(refused.getMessage().contains("thread"), refused.getMessage());
            }
            assertEquals(0, space.lockedBytes(), "a refused pin locks nothing");
            assertEquals(PinState.PINNED, arena.pin().state(), "the owner still may");
        }
    }

    @Test
    void shouldRefuseResidencyCallsInsideAReadSection() {
        for (final Threading threading : Threading.values()) {
            try (Arena arena = arena(threading).build()) {
                arena.allocate(3 * SEGMENT_BYTES);
                try (ReadSection section = arena.read()) {
                    for (final Supplier<Object> call : residencyCalls(arena)) {
                        final IllegalStateException refused = assertThrows(IllegalStateException.class, call::get,
                            threading::toString);
                        assertTrue(refused.getMessage().contains("read section"), refused.getMessage());
                    }
                }
                assertEquals(0, space.lockedBytes(), threading + ": a refused pin locks nothing");
                assertEquals(PinState.PINNED, arena.pin().state(), threading + ": allowed after the section");
                assertEquals(PinState.UNPINNED, arena.unpin().state());
            }
        }
    }

    @Test
    void shouldRefuseResidencyCallsFromARelocationListener() {
        for (final Threading threading : Threading.values()) {
            final List<Throwable> outcomes = new ArrayList<>();
            final Arena[] self = new Arena[1];
            final LiveBlocks blocks = new LiveBlocks(space);
            try (Arena arena = arena(threading).relocationListener((oldHandle, newHandle) -> {
                for (final LiveBlocks.Block block : blocks.blocks()) {
                    if (block.handle == oldHandle) {
                        block.handle = newHandle;
                    }
                }
                if (outcomes.isEmpty()) {
                    for (final Supplier<Object> call : residencyCalls(self[0])) {
                        try {
                            call.get();
                            outcomes.add(new AssertionError("allowed from inside the listener"));
                        } catch (final Throwable refused) {
                            outcomes.add(refused);
                        }
                    }
                }
            }).build()) {
                self[0] = arena;
                sparseSegments(arena, blocks);
                assertEquals(PinState.PINNED, arena.pin().state());
                final long pinnedBefore = arena.stats().pin().pinnedBytes();

                assertTrue(arena.compact().complete(), threading::toString);

                assertEquals(3, outcomes.size(), outcomes::toString);
                for (final Throwable outcome : outcomes) {
                    assertEquals(IllegalStateException.class, outcome.getClass(), () -> threading + ": " + outcome);
                }
                final ArenaStats stats = arena.stats();
                assertEquals(PinState.PINNED, stats.pin().state(), "still pinned: the listener's unpin was refused");
                assertTrue(stats.pin().pinnedBytes() <= pinnedBefore, "the locked bytes follow the live bytes");
                assertEquals(stats.pin().pinnedBytes(), space.lockedBytes(), threading + ": VmLck");
                assertEquals(PinningSteps.heldBytes(arena, SEGMENT_BYTES), stats.pin().pinnedBytes());
                blocks.checkAll(arena::address, arena::capacity, threading + ": after the compaction");
            }
            assertEquals(0, space.lockedBytes(), threading + ": close gave every locked byte back");
        }
    }

    @Test
    void shouldRefuseResidencyCallsOnAClosedArenaOfEitherThreading() {
        for (final Threading threading : Threading.values()) {
            final Arena arena = arena(threading).build();
            arena.allocate(3 * SEGMENT_BYTES);
            arena.pin();
            arena.close();
            assertEquals(0, space.lockedBytes(), threading + ": close unmapped the locked memory");
            for (final Supplier<Object> call : residencyCalls(arena)) {
                final IllegalStateException refused = assertThrows(IllegalStateException.class, call::get,
                    threading::toString);
                assertTrue(refused.getMessage().contains("closed"), refused.getMessage());
            }
        }
    }

    /** Three segments of 64-byte blocks: the first half full, the second sparse (evacuated), the third full. */
    private static void sparseSegments(final Arena arena, final LiveBlocks blocks) {
        final int slots = (int)(SEGMENT_BYTES / 64);
        final long[] handles = new long[3 * slots];
        for (int index = 0; index < handles.length; index++) {
            handles[index] = arena.allocate(64);
        }
        for (int index = 0; index < handles.length; index++) {
            final int segment = index / slots;
            if (segment == 2 || segment == 0 && index % 2 == 0 || segment == 1 && index % 20 == 0) {
                blocks.write(arena.address(handles[index]), blocks.add(handles[index], 64, index), 0);
            } else {
                arena.free(handles[index]);
            }
        }
    }
}
