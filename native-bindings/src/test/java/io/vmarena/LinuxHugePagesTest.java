package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Huge pages per arena on this machine's kernel: an arena that wants them gets them
 * (AnonHugePages of its range in smaps, read here without the backend, and in stats), one that
 * refuses them gets none, moves of PMD-congruent segments keep them whole, and trim splits none
 * in use unless asked. Needs transparent huge pages in mode {@code always} or {@code madvise}:
 * skipped, naming the mode, where THP is {@code never} or missing. Huge pages are placed when a
 * PMD-aligned range of a VMA that may have one is first touched: each test commits the segments
 * that share a PMD before it writes any of them.
 */
class LinuxHugePagesTest {
    private AddressSpace space;
    private long pmdBytes;

    @BeforeEach
    void openAddressSpace() {
        space = AddressSpaces.open("linux");
        final String mode = space.capabilities().thpMode();
        assumeTrue(mode.equals("always") || mode.equals("madvise"), "transparent huge pages are '" + mode + "' here "
            + "(/sys/kernel/mm/transparent_hugepage/enabled): an arena's huge-page policy has no effect to test");
        pmdBytes = space.capabilities().pmdBytes();
    }

    @AfterEach
    void closeAddressSpace() {
        space = null;
    }

    private Arena.Builder arena(final HugePages policy, final long segmentBytes) {
        return Arena.builder().name("huge-" + policy).addressSpace(space).hugePages(policy).segmentBytes(segmentBytes)
            .initialBytes(16 * pmdBytes).maximumBytes(1024 * pmdBytes);
    }

    @Test
    void shouldGiveHugePagesToAnArenaThatWantsThemAndNoneToOneThatRefusesThem() throws IOException {
        for (final HugePages policy : new HugePages[] {HugePages.WANTED, HugePages.REFUSED}) {
            try (Arena arena = arena(policy, pmdBytes).build()) {
                final LiveBlocks blocks = new LiveBlocks(space);
                final long[] handles = new long[4];
                for (int index = 0; index < handles.length; index++) {
                    handles[index] = arena.allocate(pmdBytes);
                }
                for (int index = 0; index < handles.length; index++) {
                    blocks.write(arena.address(handles[index]), blocks.add(handles[index], pmdBytes, index), 0);
                }
                final long small = arena.allocate(1000);
                blocks.write(arena.address(small), blocks.add(small, 1000, 9), 0);

                final ArenaStats stats = arena.stats();

                assertEquals(smapsHugePageBytes(arena), stats.hugePageBytes(), "stats agrees with smaps: " + stats);
                if (policy == HugePages.WANTED) {
                    assertTrue(stats.hugePageBytes() > 0, "written PMD-aligned segments are huge pages: " + stats);
                } else {
                    assertEquals(0, stats.hugePageBytes(), "MADV_NOHUGEPAGE: none, whatever the THP mode: " + stats);
                }
                assertEquals(policy, stats.hugePages());
                for (final Mapping vma : space.mappings(stats.baseAddress(), stats.baseAddress()
                    + stats.reservedBytes(), MappingSource.SMAPS)) {
                    final boolean committed = vma.protection() == Protection.READ_WRITE;
                    assertEquals(committed && policy == HugePages.WANTED, vma.hugePage(), vma::toString);
                    assertEquals(committed && policy == HugePages.REFUSED, vma.noHugePage(), vma::toString);
                }
                blocks.checkAll(arena::address, arena::capacity, policy.name());
            }
        }
    }

    @Test
    void shouldKeepHugePagesWholeWhenGrowthMovesTheArena() throws IOException {
        try (Arena arena = arena(HugePages.WANTED, pmdBytes).inPlaceGrowth(false).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            writeRuns(arena, blocks, 6, 1);
            final long hugeBefore = hugePagesBeforeMove(arena, "before the move");
            final long baseBefore = arena.baseAddress();

            arena.allocate(20 * pmdBytes); // past the 16 PMDs reserved: the arena moves

            assertNotEquals(baseBefore, arena.baseAddress(), "growth moved the arena");
            assertEquals(hugeBefore, hugePagesNow(arena, "after the growth that moved"));
            blocks.checkAll(arena::address, arena::capacity, "after the growth that moved");
        }
    }

    @Test
    void shouldKeepHugePagesWholeWhenAReallocationMovesALargeBlock() throws IOException {
        try (Arena arena = arena(HugePages.WANTED, pmdBytes).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long large = arena.allocate(2 * pmdBytes);
            final long after = arena.allocate(pmdBytes);
            blocks.write(arena.address(large), blocks.add(large, 2 * pmdBytes, 1), 0);
            blocks.write(arena.address(after), blocks.add(after, pmdBytes, 2), 0);
            final long hugeBefore = hugePagesBeforeMove(arena, "before the reallocation");
            final long addressBefore = arena.address(large);

            final long moved = arena.reallocate(large, 4 * pmdBytes);

            assertNotEquals(addressBefore, arena.address(moved), "the segment after the block is in use: it moved");
            assertEquals(hugeBefore, hugePagesNow(arena, "after the reallocation that moved"));
            blocks.blocks().get(0).handle = moved;
            blocks.checkAll(arena::address, arena::capacity, "after the reallocation that moved");
        }
    }

    @Test
    void shouldKeepHugePagesWholeWhenCompactionSlidesSegments() throws IOException {
        try (Arena arena = arena(HugePages.WANTED, pmdBytes).retainedBytes(0).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long[] handles = writeRuns(arena, blocks, 8, 1);
            for (int index = 0; index < handles.length; index += 2) {
                arena.free(handles[index]); // given back whole at once: retainedBytes(0)
            }
            for (int index = blocks.size() - 1; index >= 0; index--) {
                if (blocks.blocks().get(index).seed % 2 == 1) {
                    blocks.remove(index);
                }
            }
            final long hugeBefore = hugePagesBeforeMove(arena, "before compaction");

            final CompactionResult result = arena.compact();

            assertTrue(result.movedBytes() > 0, result::toString);
            assertEquals(hugeBefore, hugePagesNow(arena, "after compaction"));
            blocks.checkAll(arena::address, arena::capacity, "after compaction");
        }
    }

    @Test
    void shouldNotSplitAHugePageInUseOnTrimUnlessAsked() throws IOException {
        final long segmentBytes = pmdBytes / 2;
        try (Arena arena = arena(HugePages.WANTED, segmentBytes).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long kept = arena.allocate(segmentBytes);
            final long freed = arena.allocate(segmentBytes);
            assertEquals(arena.address(kept) + segmentBytes, arena.address(freed));
            assertEquals(0, arena.address(kept) % pmdBytes, "the two segments make one PMD-aligned range");
            blocks.write(arena.address(kept), blocks.add(kept, segmentBytes, 1), 0);
            blocks.write(arena.address(freed), blocks.add(freed, segmentBytes, 2), 0);
            blocks.remove(1);
            arena.free(freed);
            final long hugeBefore = hugePagesNow(arena, "before trim");
            assertEquals(pmdBytes, hugeBefore, "one huge page: both halves written after both were committed");
            final long residentBefore = arena.residency().residentBytes();

            assertEquals(0, arena.trim(Long.MAX_VALUE), "the freed half shares its huge page with a block in use");

            assertEquals(hugeBefore, hugePagesNow(arena, "after trim"));
            assertEquals(residentBefore, arena.residency().residentBytes());

            assertEquals(segmentBytes, arena.trim(Long.MAX_VALUE, true));

            assertEquals(residentBefore - segmentBytes, arena.residency().residentBytes(), "the freed half went back");
            assertEquals(0, hugePagesNow(arena, "after trim(bytes, true)"), "the huge page was split to give it back");
            blocks.checkAll(arena::address, arena::capacity, "after trim");
        }
    }

    /** Allocates {@code count} runs of one PMD, then writes them all; the seeds count up from {@code seed}. */
    private long[] writeRuns(final Arena arena, final LiveBlocks blocks, final int count, final long seed) {
        final long[] handles = new long[count];
        for (int index = 0; index < count; index++) {
            handles[index] = arena.allocate(pmdBytes);
        }
        for (int index = 0; index < count; index++) {
            blocks.write(arena.address(handles[index]), blocks.add(handles[index], pmdBytes, seed + index), 0);
        }
        return handles;
    }

    /** The arena's huge-page bytes, from stats and from smaps, which must agree. */
    private long hugePagesNow(final Arena arena, final String when) throws IOException {
        final ArenaStats stats = arena.stats();
        assertEquals(smapsHugePageBytes(arena), stats.hugePageBytes(), "stats agrees with smaps " + when);
        return stats.hugePageBytes();
    }

    /** The huge-page bytes before a move: some, or the move would prove nothing. */
    private long hugePagesBeforeMove(final Arena arena, final String when) throws IOException {
        final long hugeBytes = hugePagesNow(arena, when);
        assertTrue(hugeBytes > 0, "written PMD-aligned segments of an arena that wants huge pages have some " + when
            + ": " + arena.stats());
        return hugeBytes;
    }

    /** AnonHugePages summed over the VMAs of the arena's range, read from /proc/self/smaps here. */
    private static long smapsHugePageBytes(final Arena arena) throws IOException {
        final long base = arena.baseAddress();
        final long end = base + arena.stats().reservedBytes();
        long hugeBytes = 0;
        boolean inside = false;
        final List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        for (final String line : lines) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                final String[] range = line.substring(0, line.indexOf(' ')).split("-");
                inside = Long.parseUnsignedLong(range[0], 16) < end && Long.parseUnsignedLong(range[1], 16) > base;
            } else if (inside && line.startsWith("AnonHugePages:")) {
                hugeBytes += Long.parseLong(line.substring("AnonHugePages:".length()).replace("kB", "").trim()) << 10;
            }
        }
        return hugeBytes;
    }
}
