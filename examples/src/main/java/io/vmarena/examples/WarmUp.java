package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.AddressSpace;

/**
 * Runs every path the demo times once, on a throwaway arena of a few segments, so that the
 * demo's times are the allocator's and not the JVM's loading of its code: the first growth
 * in a JVM, for one, loads the JFR event classes. The arena grows in place, then, blocked,
 * grows by moving while a large block is reallocated and moves; then two small arenas compact,
 * one with each move strategy the demo compares.
 */
final class WarmUp {
    private WarmUp() {
    }

    /** Returns how long it took, in nanoseconds. */
    static long run(final AddressSpace space, final long segmentBytes) {
        final long started = System.nanoTime();
        try (Arena arena = Arena.builder().name("demo-warm-up").addressSpace(space).segmentBytes(segmentBytes)
            .initialBytes(2 * segmentBytes).build()) {
            // A run at the base, one after it: the arena is full.
            final long first = arena.allocate(segmentBytes);
            arena.allocate(segmentBytes);
            final long base = arena.address(first);
            arena.free(arena.allocate(segmentBytes)); // grows in place
            arena.stats();
            arena.trim(Long.MAX_VALUE);
            final EndBlocker blocker = new EndBlocker(space, base + arena.stats().reservedBytes());
            try {
                // Two segments are free, not three in a row: the arena grows by moving, then the run moves.
                arena.reallocate(first, 3 * segmentBytes);
            } finally {
                blocker.close();
            }
        }
        // Compaction's code, both ways the demo times it (one call across VMAs, one per VMA):
        // otherwise whichever compaction the demo runs first pays for loading and compiling it.
        for (final MoveStrategy strategy : new MoveStrategy[] {MoveStrategy.AUTO, MoveStrategy.PER_VMA_PROC_MAPS}) {
            try (Arena arena = Arena.builder().name("demo-warm-up").addressSpace(space).segmentBytes(segmentBytes)
                .initialBytes(8 * segmentBytes).moveStrategy(strategy).build()) {
                final long[] blocks = new long[8];
                for (int index = 0; index < blocks.length; index++) {
                    blocks[index] = arena.allocate(index % 2 == 0 ? segmentBytes : 64);
                }
                for (int index = 0; index < blocks.length; index += 4) {
                    arena.free(blocks[index]);
                }
                while (!arena.compactSlice().complete()) {
                    arena.stats();
                }
            }
        }
        return System.nanoTime() - started;
    }
}
