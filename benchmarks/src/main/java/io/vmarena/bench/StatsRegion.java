package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.HugePages;
import io.vmarena.PinState;
import io.vmarena.PinStatus;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;

/**
 * The arena {@link StatsBenchmark} reads: {@code regionBytes} reserved and committed, every page
 * of its live blocks written, pinned, in {@code vmaCount} VMAs. One VMA is one block over the
 * whole range; more are {@code vmaCount / 2} blocks, each followed by a one-segment block that
 * is freed after pin(): its segment is unlocked and given back, so the range alternates locked
 * and unlocked VMAs. Pinned, so stats() reads everything it can: the range's resident and
 * huge-page bytes, and the resident bytes of each locked run.
 */
final class StatsRegion {
    /** The PMD size on x86-64 with 4 KiB pages; the segment size must divide the region into even parts. */
    static final long SEGMENT_BYTES = 2L << 20;

    private StatsRegion() {
    }

    /**
     * Builds the region on {@code space}, confined to the calling thread.
     *
     * @throws IllegalArgumentException when the region cannot hold {@code vmaCount} VMAs of whole segments
     * @throws IllegalStateException when the range does not have {@code vmaCount} VMAs after all
     */
    static Arena build(final AddressSpace space, final long regionBytes, final int vmaCount) {
        return build(space, regionBytes, vmaCount, HugePages.SYSTEM_DEFAULT);
    }

    /** {@link #build(AddressSpace, long, int)} with the arena's huge-page policy. */
    static Arena build(final AddressSpace space, final long regionBytes, final int vmaCount,
        final HugePages hugePages) {
        final long segmentBytes = Math.max(SEGMENT_BYTES, space.capabilities().pmdBytes());
        final int pairs = vmaCount / 2;
        final long segments = regionBytes / segmentBytes;
        if (vmaCount < 1 || (vmaCount > 1 && vmaCount % 2 != 0) || regionBytes % segmentBytes != 0
            || segments < 2L * pairs) {
            throw new IllegalArgumentException("vmaCount must be 1 or even, and regionBytes (" + regionBytes + ") a "
                + "multiple of the " + segmentBytes + "-byte segment with two segments for every two VMAs; got "
                + vmaCount + " VMAs");
        }
        final Arena arena = Arena.builder().name("stats-" + vmaCount).addressSpace(space).segmentBytes(segmentBytes)
            .hugePages(hugePages).initialBytes(regionBytes).maximumBytes(regionBytes).retainedBytes(0).build();
        try {
            final long[] separators = new long[pairs];
            if (pairs == 0) {
                touch(arena, arena.allocate(regionBytes), regionBytes, space.pageSize());
            } else {
                // Each pair a block and a one-segment separator; the last block takes what is left over.
                final long blockSegments = segments / pairs - 1;
                for (int pair = 0; pair < pairs; pair++) {
                    final long blockBytes = (pair < pairs - 1 ? blockSegments : segments - (pairs - 1) * (blockSegments + 1) - 1)
                        * segmentBytes;
                    touch(arena, arena.allocate(blockBytes), blockBytes, space.pageSize());
                    separators[pair] = arena.allocate(segmentBytes);
                }
            }
            final PinStatus pin = arena.pin();
            if (pin.state() != PinState.PINNED) {
                throw new IllegalStateException("skipped: the region could not be pinned: " + pin.reason());
            }
            for (final long separator : separators) {
                arena.free(separator);
            }
            final long base = arena.stats().baseAddress();
            final int found = space.mappings(base, base + regionBytes, MappingSource.AUTO).size();
            if (found != vmaCount) {
                throw new IllegalStateException("expected " + vmaCount + " VMAs in the arena's range, found " + found);
            }
            return arena;
        } catch (final RuntimeException failed) {
            arena.close();
            throw failed;
        }
    }

    /** What stats() read before it read the range alone: all of smaps, summed over the range's VMAs. */
    static long smapsFigures(final AddressSpace space, final long base, final long regionBytes) {
        long figures = 0;
        for (final Mapping mapping : space.mappings(base, base + regionBytes, MappingSource.SMAPS)) {
            figures += mapping.residentPages() + mapping.lockedPages() + mapping.anonHugePageBytes();
        }
        return figures;
    }

    /** What a stats() from mincore would read: the range's resident bytes (zero-page reads included) and VMAs. */
    static long mincoreFigures(final AddressSpace space, final long base, final long regionBytes) {
        return space.residentBytes(base, base + regionBytes)
            + space.mappings(base, base + regionBytes, MappingSource.AUTO).size();
    }

    /** Writes one byte in every page, through the checked copy (the simulator sees the writes too). */
    private static void touch(final Arena arena, final long handle, final long lengthBytes, final long pageSize) {
        final byte[] one = {1};
        for (long offset = 0; offset < lengthBytes; offset += pageSize) {
            arena.put(handle, offset, one, 0, 1);
        }
    }
}
