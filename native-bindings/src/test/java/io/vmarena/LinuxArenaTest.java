package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arena contract on this machine's kernel, with the process's own address space. */
class LinuxArenaTest extends ArenaContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }

    /** Here only: the simulator would need a block of more than 2 GiB. Untouched, it costs nothing. */
    @Test
    void shouldRefuseToWrapABlockTooLargeForABuffer() {
        try (Arena arena = Arena.builder().addressSpace(space).initialBytes(4L << 30).maximumBytes(8L << 30).build()) {
            final long huge = arena.allocate(Integer.MAX_VALUE + 1L);
            final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> arena.wrap(new UnsafeBuffer(0, 0), huge));
            assertTrue(failure.getMessage().contains("use address(handle) and capacity(handle)"), failure.getMessage());
            assertEquals(Integer.MAX_VALUE + 1L, arena.capacity(huge));
            arena.free(huge);
        }
    }
}
