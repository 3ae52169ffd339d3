package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;

import java.util.List;

/** What the address space's smaps says of an arena's range, totalled: what the stats contracts compare with. */
final class RangeSmaps {
    private RangeSmaps() {
    }

    /** {vmaCount, Rss, Locked, AnonHugePages} of the range of {@code stats}, from smaps. */
    static List<Long> totals(final AddressSpace space, final ArenaStats stats) {
        long residentBytes = 0;
        long lockedBytes = 0;
        long hugePageBytes = 0;
        final List<Mapping> mappings = space.mappings(stats.baseAddress(), stats.baseAddress() + stats.reservedBytes(),
            MappingSource.SMAPS);
        for (final Mapping mapping : mappings) {
            residentBytes += mapping.residentPages() * space.pageSize();
            lockedBytes += mapping.lockedPages() * space.pageSize();
            hugePageBytes += mapping.anonHugePageBytes();
        }
        return List.of((long)mappings.size(), residentBytes, lockedBytes, hugePageBytes);
    }
}
