package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relocation listener that calls back into its arena in ways the contract's test does not: it
 * closes the arena, or opens a read section and then tries a change. A confined arena refuses
 * a listener's changes because the owner is not its "changer" during the slice; but close()
 * did not look at the compaction (it unmapped the arena mid-compaction, which on Linux would
 * crash the JVM), and read() was allowed: closing that section set the changer back (the
 * listener's next free() was allowed mid-evacuation), and a section left open was broken by
 * the rest of the compaction's moves and ignored at its end (the owner could then allocate,
 * and move memory, inside a read section).
 */
class CompactionListenerReentryTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private final SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);

    @AfterEach
    void release() {
        space.close();
    }

    private Arena.Builder arena(final Threading threading, final LiveBlocks blocks, final RelocationListener listener) {
        return Arena.builder().name("reentry").addressSpace(space).threading(threading).segmentBytes(SEGMENT_BYTES)
            .initialBytes(16 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES)
            .compactionPauseBudget(Duration.ofSeconds(60)).relocationListener((oldHandle, newHandle) -> {
                for (final LiveBlocks.Block block : blocks.blocks()) {
                    if (block.handle == oldHandle) {
                        block.handle = newHandle; // the caller's index, re-pointed
                    }
                }
                listener.relocated(oldHandle, newHandle);
            });
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

    @Test
    void shouldRefuseCloseFromInsideTheListener() {
        for (final Threading threading : Threading.values()) {
            final List<Throwable> outcomes = new ArrayList<>();
            final Arena[] self = new Arena[1];
            final LiveBlocks blocks = new LiveBlocks(space);
            try (Arena arena = arena(threading, blocks, (oldHandle, newHandle) -> {
                if (outcomes.isEmpty()) {
                    try {
                        self[0].close();
                        outcomes.add(new AssertionError("close() from inside the listener was allowed"));
                    } catch (final IllegalStateException refused) {
                        outcomes.add(refused);
                    }
                }
            }).build()) {
                self[0] = arena;
                sparseSegments(arena, blocks);
                assertTrue(arena.compact().complete(), threading::toString);
                assertEquals(1, outcomes.size());
                assertEquals(IllegalStateException.class, outcomes.get(0).getClass(), outcomes.get(0)::toString);
                blocks.checkAll(arena::address, arena::capacity, threading + ": after the compaction");
                arena.free(arena.allocate(16));
            }
        }
    }

    /**
     * A read section promises that memory does not move while it is open; compaction goes on
     * moving after its listener returns, so a section opened there is refused (a shared arena
     * refused it already: the thread of a move would wait for itself). Addresses are allowed.
     */
    @Test
    void shouldRefuseAReadSectionAndChangesFromInsideTheListener() {
        for (final Threading threading : Threading.values()) {
            final List<Throwable> outcomes = new ArrayList<>();
            final Arena[] self = new Arena[1];
            final LiveBlocks blocks = new LiveBlocks(space);
            try (Arena arena = arena(threading, blocks, (oldHandle, newHandle) -> {
                if (!outcomes.isEmpty()) {
                    return;
                }
                assertTrue(self[0].address(newHandle) != 0); // reading is allowed
                for (final Runnable call : List.<Runnable>of(self[0]::read, () -> self[0].allocate(64),
                    () -> self[0].free(newHandle), () -> self[0].reallocate(newHandle, 1000),
                    () -> self[0].trim(Long.MAX_VALUE), self[0]::compact, self[0]::compactSlice, self[0]::close)) {
                    try {
                        call.run();
                        outcomes.add(new AssertionError("a section or a change from inside the listener was allowed"));
                    } catch (final IllegalStateException refused) {
                        outcomes.add(refused);
                    }
                }
            }).build()) {
                self[0] = arena;
                sparseSegments(arena, blocks);
                assertTrue(arena.compact().complete(), threading::toString);
                assertEquals(8, outcomes.size());
                for (final Throwable outcome : outcomes) {
                    assertEquals(IllegalStateException.class, outcome.getClass(), () -> threading + ": " + outcome);
                }
                blocks.checkAll(arena::address, arena::capacity, threading + ": after the compaction");
                arena.free(arena.allocate(16 * SEGMENT_BYTES)); // changes allowed again, outside any section
            }
        }
    }
}
