package io.vmarena.linux;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Protection;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel may place another mapping (malloc's, a thread stack) in a hole of a lease. The
 * address space must notice before it changes that range, instead of unmapping someone
 * else's memory: here the foreign mapping is made with libc directly.
 */
class ForeignMappingInHoleTest {
    @Test
    void shouldRefuseToTouchAForeignMappingThatAppearedInAHoleOfItsLease() {
        final AddressSpace space = AddressSpaces.open("linux");
        final long page = space.pageSize();
        final long lease = space.map(0, 8 * page, Protection.READ_WRITE, MapFlags.NONE);
        space.unmap(lease + 3 * page, 2 * page);
        final long foreign = LibC.mmap(lease + 3 * page, page, 3,
            LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_FIXED_NOREPLACE, -1, 0);
        try {
            assertEquals(lease + 3 * page, foreign);
            assertFalse(space.owns(lease + 3 * page, page));
            assertTrue(space.owns(lease + 4 * page, page), "the rest of the hole is still the lease's");
            final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> space.map(lease + 2 * page, 3 * page, Protection.READ_WRITE, MapFlags.FIXED));
            assertTrue(failure.getMessage().contains("appeared in a hole"), failure.getMessage());
            assertThrows(IllegalArgumentException.class, () -> space.unmap(lease, 8 * page));
        } finally {
            LibC.munmap(foreign, page);
            space.unmap(lease, 8 * page);
        }
        assertFalse(space.owns(lease, page), "the lease ended with its last page");
    }
}
