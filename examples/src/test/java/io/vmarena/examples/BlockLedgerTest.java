package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ledger writes and checks a block through windows (a buffer reaches 2 GiB at most, and
 * {@code --size} makes larger blocks): windows change neither the bytes nor the checksum, and
 * damage in any window is found.
 */
class BlockLedgerTest {
    private static final long LENGTH_BYTES = 1_000_003; // words in many windows, and a tail

    @Test
    void shouldWriteTheSameBytesThroughSmallWindowsAsThroughOne() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            Arena arena = Arena.builder().addressSpace(space).build()) {
            final BlockLedger whole = new BlockLedger(space, Demo.SEED);
            final BlockLedger windowed = new BlockLedger(space, Demo.SEED, 4096);
            final int block = whole.add(arena.allocate(LENGTH_BYTES), LENGTH_BYTES, true);
            windowed.add(arena.allocate(LENGTH_BYTES), LENGTH_BYTES, true);
            final List<Long> progress = new ArrayList<>();

            whole.write(arena, block);
            windowed.write(arena, block, progress::add);

            assertArrayEquals(bytes(arena, whole.handle(block)), bytes(arena, windowed.handle(block)));
            assertEquals(-1, windowed.firstDamaged(arena), "its own checksum matches");
            // The same checksum: the windowed ledger checks the bytes the whole one wrote.
            windowed.moved(block, whole.handle(block));
            assertEquals(-1, windowed.firstDamaged(arena));
            assertEquals(245, progress.size(), "one report a window");
            assertEquals(LENGTH_BYTES, progress.get(progress.size() - 1));
        }
    }

    @Test
    void shouldFindDamageInAnyWindow() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            Arena arena = Arena.builder().addressSpace(space).build()) {
            final BlockLedger ledger = new BlockLedger(space, Demo.SEED, 4096);
            final int block = ledger.add(arena.allocate(LENGTH_BYTES), LENGTH_BYTES, true);
            ledger.write(arena, block);
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            for (final long offset : new long[] {0, 4095, 4096, 500_000, LENGTH_BYTES - 1}) {
                view.wrap(arena.address(ledger.handle(block)) + offset, 1);
                view.putByte(0, (byte)~view.getByte(0));
                assertEquals(block, ledger.firstDamaged(arena), "damage at " + offset);
                view.putByte(0, (byte)~view.getByte(0));
                assertEquals(-1, ledger.firstDamaged(arena), "repaired at " + offset);
            }
        }
    }

    private static byte[] bytes(final Arena arena, final long handle) {
        final byte[] bytes = new byte[(int)LENGTH_BYTES];
        new UnsafeBuffer(arena.address(handle), (int)LENGTH_BYTES).getBytes(0, bytes);
        return bytes;
    }
}
