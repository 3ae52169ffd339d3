package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.AddressSpace;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model-based random test of pinning: random allocate, free, reallocate, compact,
 * compactSlice, trim, pin, unpin and populate on one arena, and after every step every byte of
 * every live block, and the accounting: {@code stats().pinnedBytes} == {@code stats().pin()}'s
 * == the bytes of the range's locked VMAs == the address space's VmLck delta; a wholly pinned
 * arena locks exactly what it holds, and a pin that wanted all locks and leaves unlocked what it
 * holds between them. Under a small memlock limit the pins are partial or refused, which is the
 * point. A failure names the seed and the last steps.
 */
final class PinningModel {
    private final AddressSpace space;
    private final String name;
    private final long segmentBytes;
    /** VmLck when the model starts (the JVM's own, other arenas'). */
    private final long baseLockedBytes;
    private final Deque<String> lastSteps = new ArrayDeque<>();
    private final Map<PinState, Integer> statesSeen = new EnumMap<>(PinState.class);
    /** Whether compact and compactSlice are among the steps. */
    private boolean compactions = true;
    /** Why the run stopped early: the arena entered its failure state; null when it did not. */
    private String failedAt;
    /** Changes to the arena's builder an attack makes (a move strategy, say). */
    private final UnaryOperator<Arena.Builder> options;

    PinningModel(final AddressSpace space, final String name, final long segmentBytes, final long baseLockedBytes) {
        this(space, name, segmentBytes, baseLockedBytes, UnaryOperator.identity());
    }

    PinningModel(final AddressSpace space, final String name, final long segmentBytes, final long baseLockedBytes,
        final UnaryOperator<Arena.Builder> options) {
        this.options = options;
        this.space = space;
        this.name = name;
        this.segmentBytes = segmentBytes;
        this.baseLockedBytes = baseLockedBytes;
    }

    /**
     * Leaves compaction out: at vm.max_map_count a compaction whose undo is refused too fails the
     * arena (its documented failure state) long before pinning's own splits run out of VMAs.
     */
    PinningModel withoutCompaction() {
        compactions = false;
        return this;
    }

    /** Runs {@code steps} random steps from {@code seed}; returns {@code ok ...} or throws with the seed. */
    String run(final long seed, final int steps) {
        final SplittableRandom random = new SplittableRandom(seed);
        try (Arena arena = options.apply(Arena.builder().name(name + "-" + seed).addressSpace(space)
            .segmentBytes(segmentBytes).initialBytes(4 * segmentBytes).maximumBytes(128 * segmentBytes)
            .retainedBytes(2 * segmentBytes).inPlaceGrowth(random.nextBoolean())
            .compactionPauseBudget(Duration.ofSeconds(60))).build()) {
            final PinningSteps.Held held = new PinningSteps.Held(arena, new LiveBlocks(space), random);
            for (int step = 0; step < steps; step++) {
                final String done;
                try {
                    done = step(held, random);
                } catch (final IllegalStateException failed) {
                    if (!failed.getMessage().contains("has failed")) {
                        throw failed;
                    }
                    // The documented failure state (a move and its undo both refused, as at
                    // vm.max_map_count): nothing is claimed of the contents; close must still give
                    // every locked byte back.
                    failedAt = "failed at step " + step + " (" + failed.getMessage() + ")";
                    break;
                }
                lastSteps.addLast(step + ": " + done);
                if (lastSteps.size() > 8) {
                    lastSteps.removeFirst();
                }
                check(held, "seed " + seed + ", step " + step + " (" + done + "), last steps " + lastSteps);
            }
        }
        assertEquals(baseLockedBytes, space.lockedBytes(), "seed " + seed + ": close gave every locked byte back");
        return "ok seed=" + seed + " steps=" + steps + " states=" + statesSeen
            + (failedAt != null ? " " + failedAt : "");
    }

    private String step(final PinningSteps.Held held, final SplittableRandom random) {
        final Arena arena = held.arena;
        final int choice = random.nextInt(100);
        if (choice < 30 || held.blocks.size() == 0 || choice >= 65 && choice < 76 && !compactions) {
            final long lengthBytes = random.nextInt(4) == 0
                ? (1 + random.nextInt(4)) * segmentBytes - random.nextInt(64) : 1 + random.nextLong(segmentBytes / 4);
            try {
                PinningSteps.add(held, lengthBytes);
                return "allocate " + lengthBytes;
            } catch (final ArenaFullException full) {
                return "allocate " + lengthBytes + ": full";
            }
        }
        if (choice < 55) {
            final int index = random.nextInt(held.blocks.size());
            arena.free(held.blocks.remove(index).handle);
            return "free #" + index;
        }
        if (choice < 65) {
            final LiveBlocks.Block block = held.blocks.blocks().get(random.nextInt(held.blocks.size()));
            final long lengthBytes = random.nextBoolean() ? 1 + random.nextLong(block.lengthBytes)
                : block.lengthBytes + random.nextLong(3 * segmentBytes);
            try {
                block.handle = arena.reallocate(block.handle, lengthBytes);
            } catch (final ArenaFullException full) {
                return "reallocate to " + lengthBytes + ": full";
            }
            final long oldLengthBytes = block.lengthBytes;
            block.lengthBytes = lengthBytes;
            if (lengthBytes > oldLengthBytes) {
                held.blocks.write(arena.address(block.handle), block, oldLengthBytes);
            }
            return "reallocate " + oldLengthBytes + " to " + lengthBytes;
        }
        if (choice < 76 && compactions) {
            try {
                return choice < 70 ? "compact " + arena.compact().movedBytes()
                    : "compactSlice " + arena.compactSlice().movedBytes();
            } catch (final CompactionFailedException undone) {
                return "compaction failed and was undone: " + undone.getMessage(); // vm.max_map_count attacks
            }
        }
        if (choice < 80) {
            return "trim " + arena.trim(random.nextBoolean() ? Long.MAX_VALUE : segmentBytes);
        }
        if (choice < 90) {
            return "pin " + arena.pin().state();
        }
        if (choice < 95) {
            return "unpin " + arena.unpin().state();
        }
        return "populate " + arena.populate().method();
    }

    private void check(final PinningSteps.Held held, final String where) {
        final Arena arena = held.arena;
        held.blocks.checkAll(arena::address, arena::capacity, where);
        final ArenaStats stats = arena.stats();
        final PinStatus pin = stats.pin();
        statesSeen.merge(pin.state(), 1, Integer::sum);
        final long heldBytes = PinningSteps.heldBytes(arena, segmentBytes);
        assertEquals(pin.pinnedBytes(), stats.pin().pinnedBytes(), where);
        assertEquals(stats.pin().pinnedBytes(), PinningSteps.lockedVmaBytes(space, stats), () -> where
            + ": pinnedBytes against the locked VMAs of the range " + space.mappings(stats.baseAddress(),
            stats.baseAddress() + stats.reservedBytes()));
        assertEquals(stats.pin().pinnedBytes(), space.lockedBytes() - baseLockedBytes, where + ": pinnedBytes against VmLck");
        switch (pin.state()) {
            case UNPINNED:
                assertEquals(0, pin.unpinnedBytes(), where);
                if (stats.pin().pinnedBytes() > 0) { // munlock failed: only then may an unpinned arena lock anything
                    assertTrue(pin.reason().contains("stay locked") && pin.reason().contains("unpin() again"),
                        where + ": " + pin);
                }
                break;
            case PINNED:
                assertEquals(heldBytes, stats.pin().pinnedBytes(), where + ": wholly pinned locks what it holds");
                break;
            default:
                assertEquals(heldBytes, pin.pinnedBytes() + pin.unpinnedBytes(), where + ": " + pin);
                assertTrue(pin.unpinnedBytes() > 0 || heldBytes == 0, where + ": " + pin);
                break;
        }
    }
}
