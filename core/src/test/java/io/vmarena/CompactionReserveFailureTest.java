package io.vmarena;

import io.vmarena.support.FailingAddressSpace;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.Errno;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run moved in pieces reserves each piece's source again before the next piece fills it. When
 * that mmap is refused for want of something (ENOMEM: vm.max_map_count, say), nothing foreign is
 * in the hole: the pieces go back and the compaction fails with CompactionFailedException, the
 * arena usable. It once took every refusal for an intrusion and failed the arena for good (the
 * reviewer's finding).
 */
class CompactionReserveFailureTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldMoveThePiecesBackWhenThePieceReservationIsRefusedForWantOfMemory() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final FailingAddressSpace space = new FailingAddressSpace(simulator);
            try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES)
                .initialBytes(16 * SEGMENT_BYTES).compactionPauseBudget(Duration.ofSeconds(60)).build()) {
                final LiveBlocks blocks = new LiveBlocks(simulator);
                final long[] runs = new long[8];
                for (int index = 0; index < runs.length; index++) {
                    runs[index] = arena.allocate(SEGMENT_BYTES);
                    if (index >= 2) {
                        blocks.write(arena.address(runs[index]), blocks.add(runs[index], SEGMENT_BYTES, index), 0);
                    }
                }
                arena.free(runs[0]);
                arena.free(runs[1]); // six segments slide down by two: three pieces
                space.failMapAfter(0); // the reservation after the first piece

                final CompactionFailedException failed = assertThrows(CompactionFailedException.class, arena::compact);

                assertEquals(Errno.ENOMEM, ((VmException)failed.getCause()).errno(), failed.toString());
                blocks.checkAll(arena::address, arena::capacity, "after the refused reservation");
                assertTrue(arena.compact().complete(), "the arena is usable and compacts");
                blocks.checkAll(arena::address, arena::capacity, "after the next compaction");
                assertEquals(6 * SEGMENT_BYTES, arena.stats().committedBytes());
            }
        }
    }
}
