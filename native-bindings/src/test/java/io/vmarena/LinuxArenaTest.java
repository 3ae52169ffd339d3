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

    /**
     * Read /proc/self/smaps itself, not through the backend, and sum Rss and Locked over the
     * arena's VMAs. Resident bytes are exactly the pages the test wrote (the arena writes nothing
     * into blocks itself), unless transparent huge pages are "always", which may back a written
     * stretch with a huge page. Locked bytes are 0 on both sides: nothing locks an arena's memory
     * until pinning lands (issue 11), so that comparison proves nothing yet and becomes meaningful
     * then.
     */
    @Test
    void shouldReportResidentAndLockedBytesAsSmapsDoes() throws java.io.IOException {
        try (Arena arena = arena().initialBytes(16 * segmentBytes).build()) {
            final io.vmarena.support.LiveBlocks blocks = new io.vmarena.support.LiveBlocks(space);
            for (int block = 0; block < 5; block++) {
                allocateAndWrite(arena, blocks, segmentBytes + block * 4096L, block);
                allocateAndWrite(arena, blocks, 1000, block);
            }
            final ArenaStats stats = arena.stats();
            final long base = arena.baseAddress();
            long rssBytes = 0;
            long lockedBytes = 0;
            int vmas = 0;
            boolean inside = false;
            for (final String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/smaps"))) {
                if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                    final String[] range = line.substring(0, line.indexOf(' ')).split("-");
                    final long start = Long.parseUnsignedLong(range[0], 16);
                    final long end = Long.parseUnsignedLong(range[1], 16);
                    inside = start < base + stats.reservedBytes() && end > base;
                    vmas += inside ? 1 : 0;
                } else if (inside && line.startsWith("Rss:")) {
                    rssBytes += kilobytes(line) << 10;
                } else if (inside && line.startsWith("Locked:")) {
                    lockedBytes += kilobytes(line) << 10;
                }
            }
            assertEquals(vmas, stats.vmaCount());
            assertEquals(rssBytes, arena.residency().residentBytes());
            assertTrue(stats.residentBytes() >= rssBytes, "the account is an upper bound: " + stats);
            assertEquals(0, lockedBytes, "nothing locks an arena before pinning (issue 11): update this test then");
            assertEquals(lockedBytes, arena.residency().lockedBytes());
            final long writtenBytes = writtenPages(arena, blocks) * space.pageSize();
            final long measuredBytes = arena.residency().residentBytes();
            if (space.capabilities().thpMode().equals("always")) {
                assertTrue(measuredBytes >= writtenBytes && measuredBytes <= stats.committedBytes(),
                    "written <= resident <= committed with THP always: " + writtenBytes + ", " + measuredBytes);
            } else {
                assertEquals(writtenBytes, measuredBytes, "resident pages are the pages written: " + stats);
            }
        }
    }

    /** The distinct pages the blocks' bytes lie in: what writing every byte of them made resident. */
    private long writtenPages(final Arena arena, final io.vmarena.support.LiveBlocks blocks) {
        final java.util.Set<Long> pages = new java.util.HashSet<>();
        for (final io.vmarena.support.LiveBlocks.Block block : blocks.blocks()) {
            final long address = arena.address(block.handle);
            for (long page = address / space.pageSize(); page <= (address + block.lengthBytes - 1) / space.pageSize();
                page++) {
                pages.add(page);
            }
        }
        return pages.size();
    }

    private static long kilobytes(final String smapsLine) {
        return Long.parseLong(smapsLine.replaceAll("[^0-9]", ""));
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
