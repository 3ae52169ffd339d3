package io.vmarena.linux;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code residentBytes} (mincore over the range's VMAs) agrees with smaps' Rss, page for page,
 * over a range with a hole and a PROT_NONE part, where mincore alone would fail with ENOMEM.
 */
class ResidentBytesTest {
    private final AddressSpace space = AddressSpaces.open("linux");

    @Test
    void shouldCountWrittenPagesAsSmapsDoesAcrossHolesAndProtections() {
        final long page = space.pageSize();
        // PROT_NONE guard pages on both sides: a mapping the kernel places next to another
        // anonymous one merges with it, and smaps would count the neighbour's pages too.
        final long guarded = space.map(0, 18 * page, Protection.NONE, MapFlags.NORESERVE);
        final long base = space.map(guarded + page, 16 * page, Protection.READ_WRITE, MapFlags.FIXED);
        try {
            final UnsafeBuffer view = new UnsafeBuffer(base, (int)(16 * page));
            for (final int written : new int[] {0, 1, 2, 9, 10, 15}) {
                view.putByte((int)(written * page), (byte)1);
            }
            space.unmap(base + 4 * page, 2 * page); // a hole: pages 4 and 5
            space.protect(base + 8 * page, 4 * page, Protection.NONE); // pages 8 to 11, 9 and 10 written

            long rssBytes = 0;
            for (final Mapping mapping : space.mappings(base, base + 16 * page, MappingSource.SMAPS)) {
                rssBytes += mapping.residentPages() * page;
            }
            assertEquals(6 * page, rssBytes, "smaps: the six written pages");
            assertEquals(rssBytes, space.residentBytes(base, base + 16 * page));
            assertEquals(3 * page, space.residentBytes(base, base + 4 * page), "the range's own part only");
            assertEquals(2 * page, space.residentBytes(base + 8 * page, base + 12 * page), "PROT_NONE pages keep theirs");
        } finally {
            space.unmap(guarded, 18 * page);
        }
    }
}
