package io.vmarena;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Errno;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Huge pages per arena on the simulator (which models VM_HUGEPAGE and VM_NOHUGEPAGE as VMA flags
 * that split and merge, but not THP itself): the advice on every committed VMA and on nothing
 * else, through growth, moves and compaction, with the same VMAs as an arena without advice; a
 * kernel that refuses the advice; and what trim keeps whole. Segments of half a PMD (the PMD is
 * 2 MiB with the simulator's 4 KiB pages) so that two share a huge page.
 */
class HugePagesTest {
    private final List<SimulatedAddressSpace> spaces = new ArrayList<>();

    @AfterEach
    void closeSpaces() {
        spaces.forEach(SimulatedAddressSpace::close);
    }

    private SimulatedAddressSpace simulator(final KernelProfile profile) {
        final SimulatedAddressSpace space = new SimulatedAddressSpace(profile);
        spaces.add(space);
        return space;
    }

    private static long pmdBytes(final AddressSpace space) {
        return space.capabilities().pmdBytes();
    }

    private static Arena.Builder arena(final AddressSpace space, final HugePages policy) {
        final long segmentBytes = pmdBytes(space) / 2;
        return Arena.builder().name("huge-" + policy).addressSpace(space).hugePages(policy).segmentBytes(segmentBytes)
            .initialBytes(8 * segmentBytes).maximumBytes(256 * segmentBytes).retainedBytes(8 * segmentBytes);
    }

    @ParameterizedTest
    @EnumSource(value = HugePages.class, names = {"WANTED", "REFUSED"})
    void shouldAdviseEveryCommittedVmaAndKeepTheVmasOfAnArenaWithoutAdvice(final HugePages policy) {
        for (final KernelProfile profile : new KernelProfile[] {KernelProfile.LINUX_6_17, KernelProfile.LINUX_6_1}) {
            final SimulatedAddressSpace advised = simulator(profile);
            final SimulatedAddressSpace plain = simulator(profile);
            try (Arena withAdvice = arena(advised, policy).inPlaceGrowth(false).build();
                Arena without = arena(plain, HugePages.SYSTEM_DEFAULT).inPlaceGrowth(false).build()) {
                final Scenario advisedRun = new Scenario(withAdvice, advised);
                final Scenario plainRun = new Scenario(without, plain);
                for (int step = 0; step < Scenario.STEPS; step++) {
                    final String what = advisedRun.step(step);
                    plainRun.step(step);
                    final String where = profile.kernel() + ", after " + what;
                    assertEquals(layout(without, plain), layout(withAdvice, advised),
                        "the advice keeps the VMAs as they are without it, " + where);
                    assertAdvised(withAdvice, advised, policy, where);
                    advisedRun.blocks.checkAll(withAdvice::address, withAdvice::capacity, where);
                }
                assertTrue(withAdvice.stats().moves() >= 3, "growth, a reallocation and compaction moved memory");
                assertEquals(policy, withAdvice.stats().hugePages());
                assertEquals(0, withAdvice.stats().hugePageBytes(), "the simulator does not model THP");
            }
        }
    }

    @Test
    void shouldAdviseTheCopiesOfAnArenaThatMovesByCopying() {
        final SimulatedAddressSpace space = simulator(KernelProfile.LINUX_6_17);
        try (Arena arena = arena(space, HugePages.WANTED).inPlaceGrowth(false)
            .moveStrategy(io.vmarena.vm.MoveStrategy.COPY).build()) {
            final Scenario run = new Scenario(arena, space);
            for (int step = 0; step < Scenario.STEPS; step++) {
                final String what = run.step(step);
                assertAdvised(arena, space, HugePages.WANTED, "after " + what + " (COPY)");
                run.blocks.checkAll(arena::address, arena::capacity, what);
            }
        }
    }

    @Test
    void shouldAdviseNothingByDefault() {
        final SimulatedAddressSpace space = simulator(KernelProfile.LINUX_6_17);
        try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(pmdBytes(space) / 2).build()) {
            final Scenario run = new Scenario(arena, space);
            for (int step = 0; step < Scenario.STEPS; step++) {
                assertAdvised(arena, space, HugePages.SYSTEM_DEFAULT, "after " + run.step(step));
            }
            assertEquals(HugePages.SYSTEM_DEFAULT, arena.stats().hugePages());
        }
    }

    @Test
    void shouldRefuseANullPolicy() {
        final NullPointerException refused = assertThrows(NullPointerException.class,
            () -> Arena.builder().hugePages(null));
        assertTrue(refused.getMessage().contains("hugePages"), refused.getMessage());
    }

    @Test
    void shouldWorkWithoutTheAdviceWhenTheKernelRefusesItWithEinval() {
        final RefusingAdvice space = new RefusingAdvice(simulator(KernelProfile.LINUX_6_17), Errno.EINVAL, -1);
        try (Arena arena = arena(space, HugePages.WANTED).build()) {
            final Scenario run = new Scenario(arena, space);
            for (int step = 0; step < Scenario.STEPS; step++) {
                final String what = run.step(step);
                assertAdvised(arena, space, HugePages.SYSTEM_DEFAULT, "after " + what);
                run.blocks.checkAll(arena::address, arena::capacity, what);
            }
            assertEquals(1, space.advices, "asked once: the refusal holds for the arena's life");
            assertEquals(HugePages.SYSTEM_DEFAULT, arena.stats().hugePages(), "stats shows the policy applied");
        }
    }

    @Test
    void shouldSayOnceWhatToDoWhenTheKernelRefusesTheAdvice() {
        final RefusingAdvice space = new RefusingAdvice(simulator(KernelProfile.LINUX_6_17), Errno.EINVAL, -1);
        final List<String> warnings = new ArrayList<>();
        final HugePageAdvice advice = new HugePageAdvice("orders", HugePages.WANTED, warnings::add);
        final long reserved = space.reserve(4 * space.pageSize());
        try {
            space.protect(reserved, space.pageSize(), Protection.READ_WRITE);
            advice.afterCommit(space, reserved, space.pageSize());
            space.protect(reserved + space.pageSize(), space.pageSize(), Protection.READ_WRITE);
            advice.afterCommit(space, reserved + space.pageSize(), space.pageSize());

            assertEquals(1, warnings.size(), warnings::toString);
            final String warning = warnings.get(0);
            for (final String keyWord : new String[] {"arena 'orders'", "hugePages(WANTED)", "MADV_HUGEPAGE", "EINVAL",
                "CONFIG_TRANSPARENT_HUGEPAGE", "hugePages(SYSTEM_DEFAULT)", "vmarena doctor"}) {
                assertTrue(warning.contains(keyWord), () -> "'" + keyWord + "' in: " + warning);
            }
            assertEquals(HugePages.SYSTEM_DEFAULT, advice.inEffect());
            assertEquals(1, space.advices);
        } finally {
            space.unmap(reserved, 4 * space.pageSize());
        }
    }

    @Test
    void shouldFailTheCommitWithNothingChangedWhenTheAdviceFailsOtherwise() {
        final RefusingAdvice space = new RefusingAdvice(simulator(KernelProfile.LINUX_6_17), Errno.ENOMEM, 0);
        try (Arena arena = arena(space, HugePages.WANTED).build()) {
            final long segmentBytes = pmdBytes(space) / 2;
            final long first = arena.allocate(segmentBytes);
            final List<String> before = layout(arena, space);
            space.times = 1;
            final ArenaStats statsBefore = arena.stats();

            final ArenaFullException refused = assertThrows(ArenaFullException.class,
                () -> arena.allocate(segmentBytes));

            assertTrue(refused.getMessage().contains("could not commit"), refused.getMessage());
            assertEquals(Errno.ENOMEM, ((VmException)refused.getCause()).errno());
            assertEquals(before, layout(arena, space), "the segment is PROT_NONE again");
            assertEquals(statsBefore.committedBytes(), arena.stats().committedBytes());
            final long second = arena.allocate(segmentBytes);
            assertNotEquals(first, second);
            assertAdvised(arena, space, HugePages.WANTED, "after the next commit");
            assertEquals(HugePages.WANTED, arena.stats().hugePages(), "ENOMEM is not a kernel without THP");
        }
    }

    @Test
    void shouldKeepAHugePageInUseWholeOnTrimInAnArenaThatWantsThem() {
        final SimulatedAddressSpace space = simulator(KernelProfile.LINUX_6_17);
        final long segmentBytes = pmdBytes(space) / 2;
        try (Arena arena = arena(space, HugePages.WANTED).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            final long kept = written(arena, blocks, segmentBytes, 1);
            final long freed = written(arena, blocks, segmentBytes, 2);
            final long other = written(arena, blocks, segmentBytes, 3);
            final long otherFreed = written(arena, blocks, segmentBytes, 4);
            assertEquals(arena.address(kept) + segmentBytes, arena.address(freed), "the two share a PMD");
            forget(blocks, freed);
            arena.free(freed);
            forget(blocks, otherFreed);
            arena.free(otherFreed);
            final long residentBefore = arena.residency().residentBytes();

            assertEquals(0, arena.trim(Long.MAX_VALUE), "each freed segment shares its huge page with one in use");
            assertEquals(0, arena.trim(Long.MAX_VALUE, false));
            assertEquals(residentBefore, arena.residency().residentBytes());
            assertEquals(2 * segmentBytes, arena.stats().retainedBytes());

            forget(blocks, other);
            arena.free(other);
            assertEquals(2 * segmentBytes, arena.trim(Long.MAX_VALUE), "a huge page with nothing in use goes back "
                + "whole");
            assertEquals(residentBefore - 2 * segmentBytes, arena.residency().residentBytes());

            assertEquals(segmentBytes, arena.trim(Long.MAX_VALUE, true), "asked to split, it gives the last one back");
            assertEquals(segmentBytes, arena.residency().residentBytes());
            assertEquals(0, arena.stats().retainedBytes());
            blocks.checkAll(arena::address, arena::capacity, "after trim");
        }
    }

    @ParameterizedTest
    @EnumSource(value = HugePages.class, names = {"SYSTEM_DEFAULT", "REFUSED"})
    void shouldTrimAsBeforeInAnArenaThatDoesNotWantHugePages(final HugePages policy) {
        final SimulatedAddressSpace space = simulator(KernelProfile.LINUX_6_17);
        final long segmentBytes = pmdBytes(space) / 2;
        try (Arena arena = arena(space, policy).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            written(arena, blocks, segmentBytes, 1);
            final long freed = written(arena, blocks, segmentBytes, 2);
            forget(blocks, freed);
            arena.free(freed);

            assertEquals(segmentBytes, arena.trim(Long.MAX_VALUE));
            assertEquals(segmentBytes, arena.residency().residentBytes());
        }
        try (Arena arena = arena(space, policy).build()) {
            final LiveBlocks blocks = new LiveBlocks(space);
            written(arena, blocks, segmentBytes, 1);
            final long freed = written(arena, blocks, segmentBytes, 2);
            forget(blocks, freed);
            arena.free(freed);

            assertEquals(policy == HugePages.REFUSED ? segmentBytes : 0, arena.trim(Long.MAX_VALUE, false),
                "only an arena that refuses huge pages has none to keep whole");
        }
    }

    @Test
    void shouldGiveBackFreePagesOfSmallBlockSegmentsOnlyAsWholeHugePages() {
        final SimulatedAddressSpace space = simulator(KernelProfile.LINUX_6_17);
        final long pmdBytes = pmdBytes(space);
        final long pageSize = space.pageSize();
        for (final long segmentBytes : new long[] {pmdBytes, 4 * pmdBytes}) {
            final long blockBytes = 4096;
            try (Arena arena = Arena.builder().addressSpace(space).hugePages(HugePages.WANTED)
                .segmentBytes(segmentBytes).build()) {
                final LiveBlocks blocks = new LiveBlocks(space);
                final long blocksPerSegment = segmentBytes / blockBytes;
                final List<Long> handles = new ArrayList<>();
                for (long index = 0; index < blocksPerSegment; index++) {
                    handles.add(written(arena, blocks, blockBytes, index));
                }
                assertEquals(1, arena.stats().classSegments());
                // Keep one block in the first PMD of the segment and one in the second page of the last.
                final long keepLow = handles.get(0);
                final int lastPmdSecondPage = (int)(blocksPerSegment - pmdBytes / blockBytes + pageSize / blockBytes);
                final long keepHigh = handles.get(lastPmdSecondPage);
                for (final long handle : handles) {
                    if (handle != keepLow && handle != keepHigh) {
                        forget(blocks, handle);
                        arena.free(handle);
                    }
                }

                final long given = arena.trim(Long.MAX_VALUE);

                // The PMDs without a live block: none in a segment of one PMD, two of four otherwise.
                final long wholeFreePmds = segmentBytes == pmdBytes ? 0 : 2;
                assertEquals(wholeFreePmds * pmdBytes, given, "segment of " + segmentBytes + " bytes");
                assertEquals(segmentBytes - given, arena.residency().residentBytes());
                final long split = arena.trim(Long.MAX_VALUE, true);
                assertEquals(segmentBytes - given - 2 * pageSize, split, "asked to split, every free page but the kept "
                    + "two's");
                blocks.checkAll(arena::address, arena::capacity, "after trim");
            }
        }
    }

    // ---------------------------------------------------------------- support

    /** One deterministic history with growth that moves, a reallocation that moves, and compaction. */
    private static final class Scenario {
        static final int STEPS = 6;
        final Arena arena;
        final LiveBlocks blocks;
        final long segmentBytes;
        final List<Long> handles = new ArrayList<>();
        long large;

        Scenario(final Arena arena, final AddressSpace space) {
            this.arena = arena;
            this.blocks = new LiveBlocks(space);
            this.segmentBytes = pmdBytes(space) / 2;
        }

        String step(final int step) {
            switch (step) {
                case 0:
                    for (int index = 0; index < 5; index++) {
                        handles.add(written(arena, blocks, segmentBytes, index));
                    }
                    handles.add(written(arena, blocks, 100, 50));
                    return "commits of single segments and a small-block segment";
                case 1:
                    large = written(arena, blocks, 2 * segmentBytes, 60);
                    handles.add(written(arena, blocks, segmentBytes, 61));
                    return "a run and a segment after it";
                case 2:
                    for (int index = 0; index < 3; index += 2) {
                        forget(blocks, handles.get(index));
                        arena.free(handles.get(index));
                    }
                    return "frees that leave retained holes";
                case 3:
                    large = reallocateWritten(arena, blocks, large, 4 * segmentBytes, 62);
                    return "a reallocation that moves the run";
                case 4:
                    written(arena, blocks, 24 * segmentBytes, 70);
                    return "growth that moves the arena";
                default:
                    arena.compact();
                    return "compaction";
            }
        }
    }

    private static long written(final Arena arena, final LiveBlocks blocks, final long lengthBytes, final long seed) {
        final long handle = arena.allocate(lengthBytes);
        blocks.write(arena.address(handle), blocks.add(handle, lengthBytes, seed), 0);
        return handle;
    }

    private static long reallocateWritten(final Arena arena, final LiveBlocks blocks, final long handle,
        final long lengthBytes, final long seed) {
        forget(blocks, handle);
        final long moved = arena.reallocate(handle, lengthBytes);
        blocks.write(arena.address(moved), blocks.add(moved, lengthBytes, seed), 0);
        return moved;
    }

    private static void forget(final LiveBlocks blocks, final long handle) {
        for (int index = 0; index < blocks.size(); index++) {
            if (blocks.blocks().get(index).handle == handle) {
                blocks.remove(index);
                return;
            }
        }
        throw new AssertionError("no live block " + Long.toHexString(handle));
    }

    /** The arena's VMAs relative to its base: {offset, length, protection}. */
    private static List<String> layout(final Arena arena, final AddressSpace space) {
        final List<String> layout = new ArrayList<>();
        final ArenaStats stats = arena.stats();
        for (final Mapping vma : space.mappings(stats.baseAddress(),
            stats.baseAddress() + stats.reservedBytes(), MappingSource.AUTO)) {
            layout.add((vma.startAddress() - stats.baseAddress()) + "+" + vma.lengthBytes() + " "
                + vma.protection().symbol());
        }
        return layout;
    }

    /** Every read-write VMA of the arena carries the policy's flag, and no PROT_NONE one any. */
    private static void assertAdvised(final Arena arena, final AddressSpace space, final HugePages policy,
        final String where) {
        final ArenaStats stats = arena.stats();
        final List<Mapping> vmas = space.mappings(stats.baseAddress(),
            stats.baseAddress() + stats.reservedBytes(), MappingSource.SMAPS);
        assertFalse(vmas.isEmpty());
        for (final Mapping vma : vmas) {
            final boolean committed = vma.protection() == Protection.READ_WRITE;
            assertEquals(committed && policy == HugePages.WANTED, vma.hugePage(), () -> vma + " " + where);
            assertEquals(committed && policy == HugePages.REFUSED, vma.noHugePage(), () -> vma + " " + where);
        }
    }

    /**
     * A simulator whose madvise(MADV_HUGEPAGE or NOHUGEPAGE) fails with {@code errno}, {@code times}
     * times (-1: always).
     */
    private static final class RefusingAdvice extends ForwardingAddressSpace {
        private final Errno errno;
        int times;
        int advices;

        RefusingAdvice(final SimulatedAddressSpace space, final Errno errno, final int times) {
            super(space);
            this.errno = errno;
            this.times = times;
        }

        @Override
        public void advise(final long address, final long lengthBytes, final Advice advice) {
            if (advice == Advice.HUGEPAGE || advice == Advice.NOHUGEPAGE) {
                advices++;
                if (times != 0) {
                    times--;
                    throw new VmException("madvise", "0x" + Long.toHexString(address) + ", " + lengthBytes + ", "
                        + advice, errno, "refused by the test");
                }
            }
            super.advise(address, lengthBytes, advice);
        }
    }
}
