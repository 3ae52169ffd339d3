package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9 attack on limits: an address space too small to grow in, the maximum size exactly,
 * and segments at their bounds on 16 and 64 KiB pages. Each limit is a documented exception,
 * and the arena stays usable with every byte of its blocks.
 */
class ArenaLimitsAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    /** A simulated process of 2 MiB: growth is refused with ArenaFullException, never anything else. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldRefuseGrowthInATinyAddressSpaceAndStayUsable(final boolean inPlaceGrowth) {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17, 2L << 20)) {
            final LiveBlocks blocks = new LiveBlocks(simulator);
            final Arena arena = Arena.builder().addressSpace(simulator).segmentBytes(SEGMENT_BYTES)
                .initialBytes(4 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).inPlaceGrowth(inPlaceGrowth).build();
            int refused = 0;
            for (int index = 0; index < 40 && refused < 3; index++) {
                final long length = index % 2 == 0 ? 2 * SEGMENT_BYTES : 3000;
                try {
                    final long handle = arena.allocate(length);
                    blocks.write(arena.address(handle), blocks.add(handle, length, index), 0);
                } catch (final ArenaFullException full) {
                    refused++;
                    blocks.checkAll(arena::address, arena::capacity, "after refusal " + refused);
                }
            }
            assertTrue(refused > 0, "a 2 MiB process cannot hold 40 blocks of 128 KiB");
            final LiveBlocks.Block first = blocks.blocks().get(0);
            arena.free(first.handle);
            blocks.remove(0);
            final long again = arena.allocate(100);
            blocks.write(arena.address(again), blocks.add(again, 100, 7), 0);
            blocks.checkAll(arena::address, arena::capacity, "after freeing");
            arena.close();
            assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE));
        }
    }

    /** The maximum size is reachable by one block in an empty arena, and not one byte more. */
    @Test
    void shouldAllocateExactlyTheMaximumAndNoMore() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final long maximum = 16 * SEGMENT_BYTES;
            final LiveBlocks blocks = new LiveBlocks(simulator);
            try (Arena arena = Arena.builder().addressSpace(simulator).segmentBytes(SEGMENT_BYTES)
                .initialBytes(2 * SEGMENT_BYTES).maximumBytes(maximum).build()) {
                assertThrows(IllegalArgumentException.class, () -> arena.allocate(maximum + 1));
                final long whole = arena.allocate(maximum);
                blocks.write(arena.address(whole), blocks.add(whole, maximum, 1), 0);
                assertThrows(ArenaFullException.class, () -> arena.allocate(16));
                blocks.checkAll(arena::address, arena::capacity, "full");
                final LiveBlocks.Block block = blocks.blocks().get(0);
                block.handle = arena.reallocate(block.handle, maximum - SEGMENT_BYTES);
                block.lengthBytes = maximum - SEGMENT_BYTES;
                final long small = arena.allocate(16);
                blocks.write(arena.address(small), blocks.add(small, 16, 2), 0);
                assertThrows(ArenaFullException.class, () -> arena.reallocate(block.handle, maximum));
                blocks.checkAll(arena::address, arena::capacity, "after the refused growth");
            }
        }
    }

    /** On 16 and 64 KiB pages: a segment of one page (the smallest) and of four work, a half page is refused. */
    @ParameterizedTest
    @ValueSource(longs = {16L << 10, 64L << 10})
    void shouldWorkAtBothSegmentBoundsOnLargePages(final long pageSize) {
        final KernelProfile profile = KernelProfile.LINUX_6_17.withPageSize(pageSize);
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(profile)) {
            final IllegalArgumentException halfPage = assertThrows(IllegalArgumentException.class,
                () -> Arena.builder().addressSpace(simulator).segmentBytes(pageSize / 2).build());
            assertTrue(halfPage.getMessage().contains("multiple of the page size (" + pageSize + ")"),
                halfPage.getMessage());
            for (final long segmentBytes : new long[] {pageSize, 4 * pageSize}) { // 256 MiB: ArenaBadInputTest
                final LiveBlocks blocks = new LiveBlocks(simulator);
                try (Arena arena = Arena.builder().addressSpace(simulator).segmentBytes(segmentBytes)
                    .initialBytes(segmentBytes).maximumBytes(8 * segmentBytes).build()) {
                    for (final long length : new long[] {16, segmentBytes / 4, segmentBytes / 4 + 1, segmentBytes,
                        segmentBytes + 1}) {
                        final long handle = arena.allocate(length);
                        final long written = Math.min(length, 64L << 10); // the first bytes: 256 MiB blocks are many
                        blocks.write(arena.address(handle), blocks.add(handle, written, length), 0);
                    }
                    final LiveBlocks.Block last = blocks.blocks().get(blocks.size() - 1);
                    last.handle = arena.reallocate(last.handle, 16);
                    last.lengthBytes = 16;
                    arena.trim(Long.MAX_VALUE);
                    blocks.checkAll(arena::address, arena::capacity, segmentBytes + "-byte segments on "
                        + pageSize + "-byte pages");
                }
            }
        }
    }
}
