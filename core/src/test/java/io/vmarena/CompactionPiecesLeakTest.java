package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run that overlaps its destination moves in pieces of the distance, each piece's source
 * reserved again (PROT_NONE) before the next piece fills it. When the run is not a multiple of
 * the distance, the last piece is shorter and fills only part of the reservation before it; the
 * places the slide vacates start inside that reservation, so reserving them again with
 * MAP_FIXED_NOREPLACE met the arena's own mapping (EEXIST), and they were quarantined as if
 * another mapping held them: lost to the arena for good, and left mapped after close().
 */
class CompactionPiecesLeakTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @ParameterizedTest
    @CsvSource({"2, 13", "3, 10", "2, 14", "4, 5"})
    void shouldGiveBackEveryPlaceARunMovedInPiecesVacated(final int distance, final int count) {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final long base;
            final long reserved;
            try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(32 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0)
                .compactionPauseBudget(Duration.ofSeconds(60)).build()) {
                final LiveBlocks blocks = new LiveBlocks(space);
                final long[] handles = new long[distance + count];
                for (int place = 0; place < handles.length; place++) {
                    handles[place] = arena.allocate(SEGMENT_BYTES);
                    blocks.write(arena.address(handles[place]), blocks.add(handles[place], SEGMENT_BYTES, place), 0);
                }
                for (int place = 0; place < distance; place++) {
                    arena.free(handles[place]);
                    final long freed = handles[place];
                    blocks.blocks().removeIf(block -> block.handle == freed);
                }
                final CompactionResult result = arena.compact();
                assertTrue(result.complete(), result::toString);
                blocks.checkAll(arena::address, arena::capacity, "after the slide");
                base = arena.baseAddress();
                reserved = arena.stats().reservedBytes();
                assertEquals(32 - count, arena.stats().freeSegments(), () -> "every place the slide vacated is "
                    + "free again, none quarantined: " + arena.stats());
                // And usable: the arena fills its whole range again.
                for (int place = count; place < 32; place++) {
                    final long handle = arena.allocate(SEGMENT_BYTES);
                    blocks.write(arena.address(handle), blocks.add(handle, SEGMENT_BYTES, 100 + place), 0);
                }
                blocks.checkAll(arena::address, arena::capacity, "the range filled again");
            }
            assertEquals(List.of(), space.mappings(base, base + reserved), "close() leaves nothing mapped");
        }
    }
}
