package io.vmarena.vm;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.support.DefaultMethods;
import io.vmarena.vm.support.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every {@link AddressSpace} must do, with the kernel's exact errnos and layouts
 * (kernel-semantics.md, Linux 6.18). The Linux backend and the simulator both extend it, so a
 * behaviour asserted here holds for both. Layouts are in window page indexes, in the scenario
 * language's {@code maps} format, so the suite runs on any page size.
 */
public abstract class AddressSpaceContract {
    private static final int RW_SEED = 7;

    protected AddressSpace space;
    protected Window window;

    /** The address space under test; called once per test. */
    protected abstract AddressSpace addressSpace();

    @BeforeEach
    void openWindow() {
        space = addressSpace();
        window = new Window(space, 640);
    }

    @AfterEach
    void closeWindow() {
        window.close();
        release(space);
    }

    /** Called after each test, once the window is gone: a simulator frees its memory here. */
    protected void release(final AddressSpace addressSpace) {
    }

    protected final void assumeMultiVmaMove() {
        assumeTrue(space.capabilities().multiVmaMove().available(),
            () -> "needs multi-VMA moves: " + space.capabilities().multiVmaMove().reason());
    }

    @Test
    void shouldMoveHundredsOfVmasWithHolesInOneCallKeepingLayoutAndBytes() {
        assumeMultiVmaMove();
        // 100 units of [rw-][r--][hole]: 200 VMAs and 100 holes, the last one trailing (MV6).
        final int units = 100;
        final int sourcePages = 3 * units;
        final int target = 320;
        window.map(0, sourcePages, Protection.READ_WRITE);
        window.fill(0, sourcePages, RW_SEED);
        final long[] before = new long[units];
        for (int unit = 0; unit < units; unit++) {
            window.protect(3 * unit + 1, 1, Protection.READ);
            window.unmap(3 * unit + 2, 1);
            before[unit] = window.checksum(3 * unit, 2);
        }
        window.map(target, sourcePages, Protection.READ_WRITE);
        window.fill(target, sourcePages, 99);
        final List<String> sourceLayout = window.layout(0, sourcePages, MappingSource.PROC_MAPS);
        assertEquals(2 * units, sourceLayout.size());

        final long moved = space.remap(window.page(0), window.bytes(sourcePages), window.bytes(sourcePages),
            RemapFlags.MAYMOVE | RemapFlags.FIXED, window.page(target));

        assertEquals(window.page(target), moved);
        assertEquals(List.of(), window.layout(0, sourcePages, MappingSource.PROC_MAPS));
        final List<String> expected = new ArrayList<>();
        for (int unit = 0; unit < units; unit++) {
            final int first = target + 3 * unit;
            expected.add("[" + first + ", " + (first + 1) + ") rw- rss=1");
            expected.add("[" + (first + 1) + ", " + (first + 2) + ") r-- rss=1");
            expected.add("[" + (first + 2) + ", " + (first + 3) + ") rw- rss=1");
        }
        assertEquals(expected, window.layout(target, sourcePages, MappingSource.SMAPS));
        for (int unit = 0; unit < units; unit++) {
            final int first = target + 3 * unit;
            assertEquals(before[unit], window.checksum(first, 2), "bytes of unit " + unit);
            // MV3: the destination under a source hole keeps what it held.
            assertEquals(-1, window.firstDifference(first + 2, 1, 99 + 31 * (3 * unit + 2)), "hole of unit " + unit);
        }
    }

    @Test
    void shouldRefuseMoveStartingInHoleWithEfaultAndMoveNothing() {
        window.map(1, 3, Protection.READ_WRITE);
        window.fill(1, 3, RW_SEED);
        window.unmap(0, 1);
        window.map(10, 4, Protection.READ_WRITE);
        window.fill(10, 4, 55);
        final List<String> before = window.layout();

        final VmException failure = assertThrows(VmException.class, () -> space.remap(window.page(0),
            window.bytes(4), window.bytes(4), RemapFlags.MAYMOVE | RemapFlags.FIXED, window.page(10)));

        assertEquals(Errno.EFAULT, failure.errno());
        assertEquals(before, window.layout());
        assertEquals(-1, window.firstDifference(1, 3, RW_SEED));
        assertEquals(-1, window.firstDifference(10, 4, 55));
    }

    @Test
    void shouldRefuseMoveOfRangeWithNoVmaWithEfault() {
        window.unmap(0, 4);
        window.map(10, 4, Protection.READ_WRITE);
        window.fill(10, 4, 55);

        final VmException failure = assertThrows(VmException.class, () -> space.remap(window.page(0),
            window.bytes(4), window.bytes(4), RemapFlags.MAYMOVE | RemapFlags.FIXED, window.page(10)));

        assertEquals(Errno.EFAULT, failure.errno());
        assertEquals(-1, window.firstDifference(10, 4, 55));
    }

    @Test
    void shouldRefuseOverlappingMoveWithEinval() {
        window.map(0, 4, Protection.READ_WRITE);
        final List<String> before = window.layout();

        final VmException failure = assertThrows(VmException.class, () -> space.remap(window.page(0),
            window.bytes(4), window.bytes(4), RemapFlags.MAYMOVE | RemapFlags.FIXED, window.page(2)));

        assertEquals(Errno.EINVAL, failure.errno());
        assertEquals(before, window.layout());
    }

    @Test
    void shouldRefuseUnalignedMoveWithEinval() {
        window.map(0, 4, Protection.READ_WRITE);
        final int moveFlags = RemapFlags.MAYMOVE | RemapFlags.FIXED;

        assertEquals(Errno.EINVAL, assertThrows(VmException.class, () -> space.remap(window.page(0) + 1,
            window.bytes(1), window.bytes(1), moveFlags, window.page(10))).errno());
        assertEquals(Errno.EINVAL, assertThrows(VmException.class, () -> space.remap(window.page(0),
            window.bytes(1), window.bytes(1), moveFlags, window.page(10) + 8)).errno());
        assertEquals(List.of("[0, 4) rw- rss=0", "[4, 640) --- rss=0 noreserve"), window.layout());
    }

    @Test
    void shouldRefuseFixedWithoutMaymoveWithEinval() {
        window.map(0, 4, Protection.READ_WRITE);

        final VmException failure = assertThrows(VmException.class, () -> space.remap(window.page(0),
            window.bytes(4), window.bytes(4), RemapFlags.FIXED, window.page(10)));

        assertEquals(Errno.EINVAL, failure.errno());
        assertEquals("mremap", failure.operation());
    }

    @Test
    void shouldGrowInPlaceIntoHoleAndRefuseGrowthIntoOccupiedTail() {
        window.map(0, 2, Protection.READ_WRITE);
        window.fill(0, 2, RW_SEED);
        window.unmap(2, 2);

        assertEquals(window.page(0), space.remap(window.page(0), window.bytes(2), window.bytes(4), 0, 0));
        assertEquals(List.of("[0, 4) rw- rss=2", "[4, 640) --- rss=0 noreserve"), window.layout());

        final VmException failure = assertThrows(VmException.class,
            () -> space.remap(window.page(0), window.bytes(4), window.bytes(6), 0, 0));
        assertEquals(Errno.ENOMEM, failure.errno());
        assertEquals(-1, window.firstDifference(0, 2, RW_SEED));
    }

    @Test
    void shouldMoveWhenGrowthWithMaymoveCannotStayInPlace() {
        window.map(0, 4, Protection.READ_WRITE);
        window.fill(0, 4, RW_SEED);
        final long checksum = window.checksum(0, 4);

        final long moved = space.remap(window.page(0), window.bytes(4), window.bytes(8), RemapFlags.MAYMOVE, 0);
        try {
            assertNotEquals(window.page(0), moved);
            assertEquals(List.of("[4, 640) --- rss=0 noreserve"), window.layout());
            final List<Mapping> there = space.mappings(moved, moved + window.bytes(8), MappingSource.PROC_MAPS);
            assertEquals(List.of(Mapping.of(moved, moved + window.bytes(8), Protection.READ_WRITE)), there);
            space.remap(moved, window.bytes(4), window.bytes(4), RemapFlags.MAYMOVE | RemapFlags.FIXED,
                window.page(0));
            assertEquals(checksum, window.checksum(0, 4));
        } finally {
            space.unmap(moved, window.bytes(8));
        }
    }

    /**
     * residency: smaps' Rss of the range alone (clipped, not whole VMAs), across a hole and a
     * PROT_NONE part, with the bytes inside sub-ranges from the same read; a read of untouched
     * pages counts only where the kernel allocates on a read fault (no zero page).
     */
    @Test
    void shouldCountResidentBytesOfTheRangeAndItsSubRangesAsSmapsDoes() {
        window.map(0, 16, Protection.READ_WRITE);
        window.touch(0, 3);
        window.touch(9, 2);
        window.touch(15, 1);
        window.checksum(12, 2); // read faults: the zero page, or two pages, as the kernel does
        window.unmap(4, 2);
        window.protect(8, 4, Protection.NONE); // pages 9 and 10 keep theirs
        final boolean zeroPage = space.capabilities().has(KernelTrait.ZERO_PAGE);
        final long readPages = zeroPage ? 0 : 2;
        // Without PAGEMAP_SCAN (before 6.7) residency asks mincore, which counts a page mapped to
        // the zero page as resident: the documented over-count (vmarena doctor says so).
        final long readPagesCounted = zeroPage && space.capabilities().pagemapScan().available() ? 0 : 2;
        long smapsBytes = 0;
        for (final Mapping mapping : space.mappings(window.page(0), window.page(16), MappingSource.SMAPS)) {
            smapsBytes += mapping.residentPages() * window.pageSize();
        }
        final long[] within = {window.page(1), window.page(3), window.page(9), window.page(16)};
        assertEquals(new Residency(window.bytes(6 + readPagesCounted), 0, window.bytes(5 + readPagesCounted)),
            space.residency(window.page(0), window.page(16), within));
        assertEquals(smapsBytes + window.bytes(readPagesCounted - readPages),
            space.residency(window.page(0), window.page(16)).residentBytes(), "as smaps, but for mincore's zero pages");
        assertEquals(new Residency(window.bytes(2), 0), space.residency(window.page(1), window.page(3)), "clipped");
        assertEquals(Residency.NONE, space.residency(window.page(4), window.page(6)), "a hole");
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> space.residency(window.page(0), window.page(16), new long[] {window.page(1)}));
        assertEquals("within must hold {start, end} pairs, got 1 values", refused.getMessage());
    }

    /**
     * residency's sub-ranges: the backend (on Linux PAGEMAP_SCAN where the kernel has it) and
     * AddressSpace's default (smaps, whole VMAs) agree on every valid set (here whole VMAs, so
     * the default's figure is exact: none, adjacent pairs, a hole, all of it) and refuse the
     * same invalid ones with the same message.
     */
    @Test
    void shouldAgreeWithTheDefaultOnValidSubRangesAndRefuseTheSameInvalidOnes() {
        final AddressSpace byDefault = DefaultMethods.over(space);
        window.map(0, 16, Protection.READ_WRITE);
        window.touch(0, 3);
        window.touch(9, 2);
        window.touch(15, 1);
        window.unmap(4, 2);
        window.protect(8, 4, Protection.NONE); // VMAs: [0, 4) [6, 8) [8, 12) [12, 16)
        final long from = window.page(0);
        final long to = window.page(16);
        final long[][] valid = {{}, {window.page(0), window.page(4)}, {window.page(4), window.page(6)},
            {window.page(0), window.page(4), window.page(8), window.page(12), window.page(12), window.page(16)},
            {window.page(6), window.page(8), window.page(12), window.page(16)}, {from, to}};
        final long[] withinPages = {0, 3, 0, 6, 1, 6};
        for (int index = 0; index < valid.length; index++) {
            final Residency expected = new Residency(window.bytes(6), 0, window.bytes(withinPages[index]));
            assertEquals(expected, space.residency(from, to, valid[index]), "valid set " + index);
            assertEquals(expected, byDefault.residency(from, to, valid[index]), "valid set " + index + ", default");
        }
        final Object[][] invalid = {
            {new long[] {window.page(1)}, "within must hold {start, end} pairs, got 1 values"},
            {new long[] {window.page(3), window.page(1)}, "is empty or reversed: each sub-range needs start < end"},
            {new long[] {window.page(2), window.page(2)}, "is empty or reversed"},
            {new long[] {window.page(8), window.page(12), window.page(0), window.page(4)},
                "within pair 1 [0x" + Long.toHexString(window.page(0)) + ", 0x" + Long.toHexString(window.page(4))
                    + ") starts before the previous pair ends (0x" + Long.toHexString(window.page(12))
                    + "): sub-ranges must be in address order and disjoint"},
            {new long[] {window.page(0), window.page(4), window.page(3), window.page(8)}, "in address order and disjoint"},
            {new long[] {window.page(12), window.page(17)}, "within pair 0 [0x" + Long.toHexString(window.page(12))
                + ", 0x" + Long.toHexString(window.page(17)) + ") is not inside the range [0x" + Long.toHexString(from)
                + ", 0x" + Long.toHexString(to) + "): sub-ranges must lie within it"},
            {new long[] {window.page(0), window.page(2)}, "is not inside the range", window.page(1)}};
        for (final Object[] refusal : invalid) {
            final long[] within = (long[])refusal[0];
            final long start = refusal.length > 2 ? (Long)refusal[2] : from;
            final String backend = assertThrows(IllegalArgumentException.class,
                () -> space.residency(start, to, within)).getMessage();
            final String fallback = assertThrows(IllegalArgumentException.class,
                () -> byDefault.residency(start, to, within)).getMessage();
            assertTrue(backend.contains((String)refusal[1]), backend);
            assertEquals(backend, fallback, "the backend and the default refuse alike");
        }
    }

    /** {@code " onfault"} where smaps shows VM_LOCKONFAULT, else nothing (6.1 shows {@code lo} alone). */
    private String onFault() {
        return space.capabilities().lockOnFaultShown().available() ? " onfault" : "";
    }

    /** Whether the kernel merges VMAs as 6.1 does ({@link KernelProfile#sixOneMm}). */
    private boolean sixOneMm() {
        return KernelProfile.forCapabilities(space.capabilities()).sixOneMm();
    }

    @Test
    void shouldLockOnFaultOnlyTheTouchedPagesButCountTheWholeRangeAtOnce() {
        window.map(0, 8, Protection.READ_WRITE);
        final long lockedBefore = space.lockedBytes();

        space.lock(window.page(0), window.bytes(8), LockMode.ON_FAULT);
        assertEquals(window.bytes(8), space.lockedBytes() - lockedBefore);
        assertEquals(List.of("[0, 8) rw- rss=0 locked" + onFault()), window.layout(0, 8, MappingSource.SMAPS));
        assertEquals(0, lockedPages(0));

        window.touch(0, 3);
        assertEquals(List.of("[0, 8) rw- rss=3 locked" + onFault()), window.layout(0, 8, MappingSource.SMAPS));
        assertEquals(3, lockedPages(0));
        assertEquals(window.bytes(8), space.lockedBytes() - lockedBefore);

        space.unlock(window.page(0), window.bytes(8));
        assertEquals(List.of("[0, 8) rw- rss=3"), window.layout(0, 8, MappingSource.SMAPS));
        assertEquals(0, space.lockedBytes() - lockedBefore);
    }

    /**
     * MADV_POPULATE_WRITE across a hole, and across a VMA it cannot write (EINVAL on 6.18 and
     * 6.1, measured: the simulator had said EFAULT). 6.18 stops at the hole (ENOMEM), nothing
     * after it populated; 6.1 walks on past it (ENOMEM at the end, the VMA after it populated:
     * 6.1's madvise_populate runs per VMA in madvise_walk_vmas).
     */
    @Test
    void shouldPopulateForWritingUpToWhatTheKernelCannotWrite() {
        window.map(0, 2, Protection.READ_WRITE);
        window.map(3, 2, Protection.READ_WRITE); // a hole at page 2
        window.map(8, 2, Protection.READ_WRITE);
        window.map(10, 1, Protection.READ);
        window.map(11, 2, Protection.READ_WRITE);
        window.unmap(2, 1);
        final VmException unknown = probePopulateWrite();
        assumeTrue(unknown == null, () -> "MADV_POPULATE_WRITE (5.14+) is missing: " + unknown);

        final VmException hole = assertThrows(VmException.class,
            () -> space.advise(window.page(0), window.bytes(5), Advice.POPULATE_WRITE));
        final VmException readOnly = assertThrows(VmException.class,
            () -> space.advise(window.page(8), window.bytes(5), Advice.POPULATE_WRITE));

        assertEquals(Errno.ENOMEM, hole.errno());
        assertEquals(Errno.EINVAL, readOnly.errno());
        assertEquals(List.of("[0, 2) rw- rss=2", "[3, 5) rw- rss=" + (sixOneMm() ? 2 : 0)),
            window.layout(0, 5, MappingSource.SMAPS));
        assertEquals(List.of("[8, 10) rw- rss=2", "[10, 11) r-- rss=0", "[11, 13) rw- rss=0"),
            window.layout(8, 5, MappingSource.SMAPS));
    }

    /** Populates a fresh page of the window's last one; the failure where the kernel lacks the advice, else null. */
    private VmException probePopulateWrite() {
        final int last = 600;
        window.map(last, 1, Protection.READ_WRITE);
        try {
            space.advise(window.page(last), window.bytes(1), Advice.POPULATE_WRITE);
            return null;
        } catch (final VmException e) {
            return e;
        } finally {
            window.map(last, 1, Protection.NONE);
        }
    }

    @Test
    void shouldPopulateWhenLockingWithoutOnFaultAndSplitTheVma() {
        window.map(0, 8, Protection.READ_WRITE);
        final long lockedBefore = space.lockedBytes();

        space.lock(window.page(2), window.bytes(4), LockMode.POPULATE);

        assertEquals(List.of("[0, 2) rw- rss=0", "[2, 6) rw- rss=4 locked", "[6, 8) rw- rss=0"),
            window.layout(0, 8, MappingSource.SMAPS));
        assertEquals(4, lockedPages(2));
        assertEquals(window.bytes(4), space.lockedBytes() - lockedBefore);
        space.unlock(window.page(2), window.bytes(4));
        // 6.1's vma_merge never joins a faulted VMA to an unfaulted neighbour (KernelProfile.sixOneMm).
        assertEquals(sixOneMm() ? List.of("[0, 2) rw- rss=0", "[2, 6) rw- rss=4", "[6, 8) rw- rss=0")
            : List.of("[0, 8) rw- rss=4"), window.layout(0, 8, MappingSource.SMAPS));
    }

    @Test
    void shouldLockUpToTheFirstHoleThenFailWithEnomem() {
        window.map(0, 2, Protection.READ_WRITE);
        window.unmap(2, 1);
        window.map(3, 2, Protection.READ_WRITE);
        final long lockedBefore = space.lockedBytes();

        final VmException failure = assertThrows(VmException.class,
            () -> space.lock(window.page(0), window.bytes(5), LockMode.ON_FAULT));

        assertEquals(Errno.ENOMEM, failure.errno());
        assertEquals(List.of("[0, 2) rw- rss=0 locked" + onFault(), "[3, 5) rw- rss=0"),
            window.layout(0, 5, MappingSource.SMAPS));
        assertEquals(window.bytes(2), space.lockedBytes() - lockedBefore);
        assertEquals(Errno.ENOMEM, assertThrows(VmException.class,
            () -> space.unlock(window.page(0), window.bytes(5))).errno());
        assertEquals(List.of("[0, 2) rw- rss=0", "[3, 5) rw- rss=0"), window.layout(0, 5, MappingSource.SMAPS));
    }

    @Test
    void shouldProtectUpToTheFirstHoleThenFailWithEnomem() {
        window.map(0, 2, Protection.READ_WRITE);
        window.unmap(2, 1);
        window.map(3, 2, Protection.READ_WRITE);

        final VmException failure = assertThrows(VmException.class,
            () -> space.protect(window.page(0), window.bytes(5), Protection.READ));

        assertEquals(Errno.ENOMEM, failure.errno());
        assertEquals(List.of("[0, 2) r--", "[3, 5) rw-"), window.layout(0, 5, MappingSource.PROC_MAPS));
    }

    /** The zero-page trait as this address space has it: what a read fault does here. */
    private boolean mapsZeroPage() {
        return space.capabilities().zeroPage().available();
    }

    @Test
    void shouldCountReadPagesInRssExactlyWhenTheKernelHasNoZeroPage() {
        window.map(0, 4, Protection.READ_WRITE);

        window.checksum(0, 2);

        assertEquals(List.of("[0, 4) rw- rss=" + (mapsZeroPage() ? 0 : 2)), window.layout(0, 4, MappingSource.SMAPS),
            space.capabilities().zeroPage().reason());
        assertEquals(zeroChecksum(2), window.checksum(0, 2));
    }

    @Test
    void shouldPopulateReadOnlyMemoryWithRealPagesOnMlockExactlyWhenTheKernelHasNoZeroPage() {
        window.map(0, 4, Protection.READ);
        final long lockedBefore = space.lockedBytes();

        space.lock(window.page(0), window.bytes(4), LockMode.POPULATE);
        try {
            // populate_vma_page_range read-faults a read-only private VMA (no FOLL_WRITE).
            final int resident = mapsZeroPage() ? 0 : 4;
            assertEquals(List.of("[0, 4) r-- rss=" + resident + " locked"), window.layout(0, 4, MappingSource.SMAPS),
                space.capabilities().zeroPage().reason());
            assertEquals(resident, lockedPages(0));
            assertEquals(window.bytes(4), space.lockedBytes() - lockedBefore);
        } finally {
            space.unlock(window.page(0), window.bytes(4));
        }
    }

    @Test
    void shouldMergeAMovedVmaThatWasOnlyReadExactlyWhenTheKernelHasTheZeroPage() {
        window.map(0, 2, Protection.READ_WRITE);
        window.map(8, 2, Protection.READ_WRITE);
        window.checksum(8, 1);

        space.remap(window.page(8), window.bytes(2), window.bytes(2), RemapFlags.MAYMOVE | RemapFlags.FIXED,
            window.page(2));

        // The zero page leaves the read VMA without an anon_vma: re-based on the move, it merges
        // (kernel-semantics R9, G2). A read fault that allocates gives it one: it keeps its pgoff
        // and stays apart (G3).
        assertEquals(mapsZeroPage() ? List.of("[0, 4) rw- rss=0") : List.of("[0, 2) rw- rss=0", "[2, 4) rw- rss=1"),
            window.layout(0, 4, MappingSource.SMAPS), space.capabilities().zeroPage().reason());
    }

    @Test
    void shouldSplitOnProtectAndMergeWhenProtectedBack() {
        window.map(0, 4, Protection.READ_WRITE);
        window.touch(0, 2);

        window.protect(1, 1, Protection.READ);
        assertEquals(List.of("[0, 1) rw- rss=1", "[1, 2) r-- rss=1", "[2, 4) rw- rss=0"),
            window.layout(0, 4, MappingSource.SMAPS));

        window.protect(1, 1, Protection.READ_WRITE);
        assertEquals(List.of("[0, 4) rw- rss=2"), window.layout(0, 4, MappingSource.SMAPS));
    }

    /**
     * MADV_HUGEPAGE and MADV_NOHUGEPAGE set VM_HUGEPAGE or VM_NOHUGEPAGE (smaps {@code hg},
     * {@code nh}), each clearing the other: advice on part of a VMA splits it, and VMAs whose
     * advice agrees again merge. The VMA is far smaller than a PMD, so no huge page is placed.
     */
    @Test
    void shouldSplitOnHugePageAdviceAndMergeWhenTheAdviceAgrees() {
        window.map(0, 4, Protection.READ_WRITE);
        window.fill(0, 4, RW_SEED);

        space.advise(window.page(1), window.bytes(2), Advice.HUGEPAGE);
        assertEquals(List.of("[0, 1) -", "[1, 3) hg", "[3, 4) -"), hugePageLayout(0, 4));

        space.advise(window.page(0), window.bytes(4), Advice.HUGEPAGE);
        assertEquals(List.of("[0, 4) hg"), hugePageLayout(0, 4));

        space.advise(window.page(2), window.bytes(1), Advice.NOHUGEPAGE);
        assertEquals(List.of("[0, 2) hg", "[2, 3) nh", "[3, 4) hg"), hugePageLayout(0, 4));

        space.advise(window.page(2), window.bytes(1), Advice.HUGEPAGE);
        assertEquals(List.of("[0, 4) hg"), hugePageLayout(0, 4));
        assertEquals(0, space.mappings(window.page(0), window.page(4), MappingSource.SMAPS).get(0).anonHugePageBytes());
        assertEquals(-1, window.firstDifference(0, 4, RW_SEED), "advice changes no byte");
    }

    /** The VMAs over window pages as {@code [P, Q) hg}, {@code nh} or {@code -}, from smaps. */
    private List<String> hugePageLayout(final int pageIndex, final int count) {
        final List<String> lines = new ArrayList<>();
        for (final Mapping vma : space.mappings(window.page(pageIndex), window.page(pageIndex + count),
            MappingSource.SMAPS)) {
            final long start = Math.max(vma.startAddress(), window.page(pageIndex));
            final long end = Math.min(vma.endAddress(), window.page(pageIndex + count));
            lines.add("[" + (start - window.page(0)) / window.pageSize() + ", " + (end - window.page(0))
                / window.pageSize() + ") " + (vma.hugePage() ? "hg" : vma.noHugePage() ? "nh" : "-"));
        }
        return lines;
    }

    @Test
    void shouldDropPagesWithDontneedAndReadZeroAfterwards() {
        window.map(0, 4, Protection.READ_WRITE);
        window.fill(0, 4, RW_SEED);

        space.advise(window.page(0), window.bytes(4), Advice.DONTNEED);

        assertEquals(List.of("[0, 4) rw- rss=0"), window.layout(0, 4, MappingSource.SMAPS));
        assertEquals(0, window.firstDifference(0, 4, RW_SEED));
        assertEquals(zeroChecksum(4), window.checksum(0, 4));
    }

    @Test
    void shouldZapBothSidesOfHoleWithDontneedThenFailWithEnomem() {
        window.map(0, 2, Protection.READ_WRITE);
        window.map(3, 2, Protection.READ_WRITE);
        window.fill(0, 2, RW_SEED);
        window.fill(3, 2, RW_SEED);
        window.unmap(2, 1);

        final VmException failure = assertThrows(VmException.class,
            () -> space.advise(window.page(0), window.bytes(5), Advice.DONTNEED));

        assertEquals(Errno.ENOMEM, failure.errno());
        assertEquals(zeroChecksum(2), window.checksum(0, 2));
        assertEquals(zeroChecksum(2), window.checksum(3, 2));
    }

    @Test
    void shouldRefuseDontneedOnLockedVmaWithEinval() {
        window.map(0, 4, Protection.READ_WRITE);
        window.fill(0, 4, RW_SEED);
        space.lock(window.page(0), window.bytes(4), LockMode.ON_FAULT);
        try {
            final VmException failure = assertThrows(VmException.class,
                () -> space.advise(window.page(0), window.bytes(4), Advice.DONTNEED));
            assertEquals(Errno.EINVAL, failure.errno());
            assertEquals(-1, window.firstDifference(0, 4, RW_SEED));
        } finally {
            space.unlock(window.page(0), window.bytes(4));
        }
    }

    @Test
    void shouldRefuseUnalignedOrEmptyUnmapWithEinval() {
        assertEquals(Errno.EINVAL, assertThrows(VmException.class,
            () -> space.unmap(window.page(0) + 1, window.bytes(1))).errno());
        assertEquals(Errno.EINVAL, assertThrows(VmException.class, () -> space.unmap(window.page(0), 0)).errno());
    }

    @Test
    void shouldRefuseFixedNoreplaceOverAMappingWithEexist() {
        final VmException failure = assertThrows(VmException.class,
            () -> space.map(window.page(0), window.bytes(1), Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE));
        assertEquals(Errno.EEXIST, failure.errno());
    }

    /** Issue 9: the kernel refuses (EEXIST) and changes nothing when any page of the range is mapped. */
    @Test
    void shouldRefuseFixedNoreplaceOverAPartlyMappedHoleWithEexistAndChangeNothing() {
        window.unmap(5, 3);

        final VmException failure = assertThrows(VmException.class,
            () -> space.map(window.page(5), window.bytes(4), Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE));

        assertEquals(Errno.EEXIST, failure.errno());
        assertEquals(List.of("[0, 5) ---", "[8, 640) ---"), window.layout(0, 640, MappingSource.PROC_MAPS));
        assertEquals(window.page(5), space.map(window.page(5), window.bytes(3), Protection.READ_WRITE,
            MapFlags.FIXED_NOREPLACE));
        assertEquals(List.of("[0, 5) ---", "[5, 8) rw-", "[8, 640) ---"), window.layout(0, 640, MappingSource.PROC_MAPS));
    }

    /**
     * Issue 9: a range held under a lease may be changed only for its lease; every other call
     * over any page of it is refused before the kernel sees it, naming the holder.
     */
    @Test
    void shouldRefuseEveryCallOverAHeldRangeButTheLeaseHolders() {
        window.unmap(5, 1);
        final Lease lease = new Lease("arena 'held'");
        space.hold(lease, window.page(0), window.bytes(8));
        final AddressSpace holder = space.actingFor(lease);
        final AddressSpace other = space.actingFor(new Lease("arena 'other'"));
        final int moveFlags = RemapFlags.MAYMOVE | RemapFlags.FIXED;
        final List<org.junit.jupiter.api.function.Executable> calls = List.of(
            () -> space.protect(window.page(1), window.bytes(1), Protection.READ_WRITE),
            () -> space.unmap(window.page(7), window.bytes(2)),
            () -> space.advise(window.page(0), window.bytes(1), Advice.DONTNEED),
            () -> space.map(window.page(2), window.bytes(1), Protection.READ_WRITE, MapFlags.FIXED),
            () -> space.map(window.page(5), window.bytes(1), Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE),
            () -> space.remap(window.page(2), window.bytes(1), window.bytes(1), moveFlags, window.page(20)),
            () -> space.remap(window.page(20), window.bytes(1), window.bytes(1), moveFlags, window.page(3)),
            () -> space.lock(window.page(0), window.bytes(1), LockMode.ON_FAULT),
            () -> space.unlock(window.page(0), window.bytes(1)),
            () -> other.protect(window.page(1), window.bytes(1), Protection.READ_WRITE),
            () -> space.hold(new Lease("arena 'other'"), window.page(4), window.bytes(8)));
        for (final org.junit.jupiter.api.function.Executable call : calls) {
            final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, call);
            assertTrue(failure.getMessage().contains("leased to arena 'held'"), failure.getMessage());
        }
        assertEquals(List.of("[0, 5) ---", "[6, 640) ---"), window.layout(0, 640, MappingSource.PROC_MAPS));
        assertFalse(space.owns(window.page(0), window.bytes(1)));
        assertTrue(holder.owns(window.page(0), window.bytes(8)));

        holder.protect(window.page(1), window.bytes(1), Protection.READ_WRITE);
        holder.map(window.page(5), window.bytes(1), Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE);
        space.unhold(lease, window.page(0), window.bytes(8));
        space.protect(window.page(1), window.bytes(1), Protection.READ);
        assertEquals(List.of("[0, 1) ---", "[1, 2) r--", "[2, 5) ---", "[5, 6) rw-", "[6, 640) ---"),
            window.layout(0, 640, MappingSource.PROC_MAPS));
    }

    /**
     * Issue 9 attack: a hold that touches another lease's range (a caller holding its own page
     * just below or above an arena's range) must not take that range over. Touching holds of
     * one lease merge; holds of different leases stay apart, each refused to the other.
     */
    @Test
    void shouldNeverMergeAnotherLeasesRangeIntoAHoldThatTouchesIt() {
        final Lease arena = new Lease("arena 'victim'");
        final Lease below = new Lease("caller 'below'");
        final Lease above = new Lease("caller 'above'");
        space.hold(arena, window.page(10), window.bytes(8));
        space.hold(below, window.page(8), window.bytes(2));
        space.hold(above, window.page(18), window.bytes(2));
        space.hold(above, window.page(20), window.bytes(1)); // its own touching hold: merged, still its own

        for (final Lease caller : new Lease[] {below, above}) {
            final AddressSpace acting = space.actingFor(caller);
            for (final org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                () -> acting.protect(window.page(10), window.bytes(1), Protection.READ_WRITE),
                () -> acting.unmap(window.page(17), window.bytes(1)),
                () -> acting.advise(window.page(10), window.bytes(8), Advice.DONTNEED),
                () -> acting.remap(window.page(10), window.bytes(8), window.bytes(8),
                    RemapFlags.MAYMOVE | RemapFlags.FIXED, window.page(100)),
                () -> acting.unmap(window.page(caller == below ? 8 : 10), window.bytes(10)))) {
                final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, call);
                assertTrue(refused.getMessage().contains("leased to arena 'victim'"), refused.getMessage());
            }
            assertFalse(acting.owns(window.page(10), window.bytes(1)), caller + " does not own the arena's range");
        }
        final AddressSpace holder = space.actingFor(arena);
        assertTrue(holder.owns(window.page(10), window.bytes(8)), "the arena still holds all of its range");
        holder.protect(window.page(10), window.bytes(8), Protection.READ_WRITE);
        space.actingFor(below).protect(window.page(8), window.bytes(2), Protection.READ);
        space.actingFor(above).protect(window.page(18), window.bytes(3), Protection.READ);
        assertEquals(List.of("[0, 8) ---", "[8, 10) r--", "[10, 18) rw-", "[18, 21) r--", "[21, 640) ---"),
            window.layout(0, 640, MappingSource.PROC_MAPS));
        assertThrows(NullPointerException.class, () -> space.hold(null, window.page(30), window.bytes(1)),
            "a hold needs a lease: a null one would hold the range for no one and for every plain call");
        assertThrows(NullPointerException.class, () -> space.actingFor(null));
        space.unhold(arena, window.page(10), window.bytes(8));
        space.unhold(below, window.page(8), window.bytes(2));
        space.unhold(above, window.page(18), window.bytes(3));
    }

    /**
     * Issue 9 attack: a mapping the kernel places (here at a hint) must not land in a hole
     * another lease holds: the hole is its holder's to map again (an arena's vacated segments),
     * and a reservation that took it could then be neither used nor given back.
     */
    @Test
    void shouldNeverPlaceAMappingInAHoleAnotherLeaseHolds() {
        final Lease arena = new Lease("arena 'victim'");
        space.hold(arena, window.page(10), window.bytes(4));
        space.actingFor(arena).unmap(window.page(10), window.bytes(4));

        final long placed = space.map(window.page(10), window.bytes(4), Protection.READ_WRITE, MapFlags.NONE);
        final long placedForAnother = space.actingFor(new Lease("caller 'other'")).map(window.page(10),
            window.bytes(2), Protection.READ, MapFlags.NONE);

        for (final long address : new long[] {placed, placedForAnother}) {
            assertTrue(address + window.bytes(2) <= window.page(10) || address >= window.page(14),
                "placed at 0x" + Long.toHexString(address) + ", in the held hole at 0x"
                    + Long.toHexString(window.page(10)));
        }
        assertEquals(List.of("[0, 10) ---", "[14, 640) ---"), window.layout(0, 640, MappingSource.PROC_MAPS),
            "the hole is still a hole");
        assertEquals(window.page(10), space.actingFor(arena).map(window.page(10), window.bytes(4), Protection.NONE,
            MapFlags.FIXED_NOREPLACE | MapFlags.NORESERVE), "its holder maps it again");
        space.unhold(arena, window.page(10), window.bytes(4));
        space.unmap(placed, window.bytes(4));
        space.unmap(placedForAnother, window.bytes(2));
    }

    /**
     * Issue 9 attack: a move the kernel places (MREMAP_DONTUNMAP at a hint, MAYMOVE) must not
     * land in a hole another lease holds either: it goes on to a free place, and the hole stays
     * its holder's.
     */
    @Test
    void shouldNeverPlaceAMoveInAHoleAnotherLeaseHolds() {
        final Lease arena = new Lease("arena 'victim'");
        space.hold(arena, window.page(10), window.bytes(4));
        space.actingFor(arena).unmap(window.page(10), window.bytes(4));
        window.map(20, 2, Protection.READ_WRITE);
        window.fill(20, 2, RW_SEED);

        final long movedAddress = space.remap(window.page(20), window.bytes(2), window.bytes(2),
            RemapFlags.MAYMOVE | RemapFlags.DONTUNMAP, window.page(10));

        assertTrue(movedAddress + window.bytes(2) <= window.page(10) || movedAddress >= window.page(14),
            "moved to 0x" + Long.toHexString(movedAddress) + ", into the held hole at 0x"
                + Long.toHexString(window.page(10)));
        assertTrue(space.mappings(window.page(10), window.page(14)).isEmpty(), "the hole is still a hole");
        final org.agrona.concurrent.UnsafeBuffer moved = new org.agrona.concurrent.UnsafeBuffer(movedAddress,
            (int)window.bytes(2));
        for (int pageIndex = 0; pageIndex < 2; pageIndex++) {
            for (final int offset : new int[] {0, 1, (int)window.pageSize() - 1}) {
                assertEquals((byte)(RW_SEED + 31 * pageIndex + offset),
                    moved.getByte((int)(pageIndex * window.pageSize()) + offset), "the moved bytes");
            }
        }
        space.unmap(movedAddress, window.bytes(2));
        space.unhold(arena, window.page(10), window.bytes(4));
    }

    /**
     * Issue 9 attack: an mremap that grows in place grows into free pages, and a hole another
     * lease holds is free to the kernel: without MAYMOVE it is refused naming the holder, with
     * it the memory moves elsewhere; the hole stays its holder's either way.
     */
    @Test
    void shouldNeverGrowInPlaceIntoAHoleAnotherLeaseHolds() {
        final Lease arena = new Lease("arena 'victim'");
        space.hold(arena, window.page(12), window.bytes(4));
        space.actingFor(arena).unmap(window.page(12), window.bytes(4));
        window.map(10, 2, Protection.READ_WRITE);
        window.fill(10, 2, RW_SEED);

        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> space.remap(window.page(10), window.bytes(2), window.bytes(4), RemapFlags.NONE, 0));
        assertTrue(refused.getMessage().contains("leased to arena 'victim'"), refused.getMessage());
        final long moved = space.remap(window.page(10), window.bytes(2), window.bytes(4), RemapFlags.MAYMOVE, 0);

        assertTrue(moved + window.bytes(4) <= window.page(12) || moved >= window.page(16),
            "grew into the held hole at 0x" + Long.toHexString(window.page(12)) + ": 0x" + Long.toHexString(moved));
        assertTrue(space.mappings(window.page(12), window.page(16)).isEmpty(), "the hole is still a hole");
        final org.agrona.concurrent.UnsafeBuffer bytes = new org.agrona.concurrent.UnsafeBuffer(moved,
            (int)window.bytes(2));
        assertEquals((byte)(RW_SEED + 31 + 5), bytes.getByte((int)window.pageSize() + 5), "the moved bytes");
        space.unmap(moved, window.bytes(4));
        space.unhold(arena, window.page(12), window.bytes(4));
    }

    /**
     * Issue 9: a range the kernel placed ends when its last page leaves, so an arena whose first
     * reservation's every page moved out lost it on one backend and not the other (that depended
     * on where the kernel placed it). A held range stays the address space's own, mapped or not,
     * until its lease lets it go.
     */
    @Test
    void shouldKeepAHeldRangeItsOwnWhenEveryPageOfItMovesOut() {
        final long placed = space.map(0, window.bytes(4), Protection.READ_WRITE, MapFlags.NONE);
        final Lease lease = new Lease("arena 'mover'");
        space.hold(lease, placed, window.bytes(4));
        final AddressSpace holder = space.actingFor(lease);

        holder.remap(placed, window.bytes(4), window.bytes(4), RemapFlags.MAYMOVE | RemapFlags.FIXED, window.page(10));

        assertTrue(holder.owns(placed, window.bytes(4)), "still held: the holder may map into it again");
        assertEquals(placed, holder.map(placed, window.bytes(4), Protection.NONE,
            MapFlags.FIXED_NOREPLACE | MapFlags.NORESERVE));
        holder.unmap(placed, window.bytes(4));
        assertTrue(holder.owns(placed, window.bytes(4)));
        space.unhold(lease, placed, window.bytes(4));
        assertFalse(space.owns(placed, window.bytes(1)), "let go, with nothing mapped: no longer ours");
    }

    @Test
    void shouldReportTheSameBoundsFromEverySource() {
        window.map(0, 4, Protection.READ_WRITE);
        window.protect(1, 1, Protection.READ);
        window.unmap(5, 1);
        final List<String> fromMaps = window.layout(0, 640, MappingSource.PROC_MAPS);

        assertEquals(List.of("[0, 1) rw-", "[1, 2) r--", "[2, 4) rw-", "[4, 5) ---", "[6, 640) ---"), fromMaps);
        assertEquals(fromMaps, window.layout(0, 640, MappingSource.AUTO));
        if (space.capabilities().procmapQuery().available()) {
            assertEquals(fromMaps, window.layout(0, 640, MappingSource.PROCMAP_QUERY));
        }
        final List<String> fromSmaps = new ArrayList<>();
        for (final String line : window.layout(0, 640, MappingSource.SMAPS)) {
            fromSmaps.add(line.substring(0, line.indexOf(" rss=")));
        }
        assertEquals(fromMaps, fromSmaps);
    }

    @Test
    void shouldRefuseRangesItDidNotHandOut() {
        final long elsewhere = space.reserve(window.bytes(4));
        space.unmap(elsewhere, window.bytes(4));

        assertThrows(IllegalArgumentException.class, () -> space.unmap(elsewhere, window.bytes(4)));
        assertThrows(IllegalArgumentException.class,
            () -> space.protect(elsewhere, window.bytes(1), Protection.READ_WRITE));
        assertThrows(IllegalArgumentException.class, () -> space.remap(window.page(0), window.bytes(1),
            window.bytes(1), RemapFlags.MAYMOVE | RemapFlags.FIXED, elsewhere));
        assertThrows(IllegalArgumentException.class,
            () -> space.map(elsewhere, window.bytes(1), Protection.READ_WRITE, MapFlags.FIXED));
        assertEquals(List.of("[0, 640) ---"), window.layout(0, 640, MappingSource.PROC_MAPS));
    }

    @Test
    void shouldRefuseRangesThatReachBeyondUserSpace() {
        final long address = window.page(0);
        final long toTwoToTheSixtyThree = Long.MIN_VALUE - address;

        assertThrows(IllegalArgumentException.class, () -> space.advise(address, toTwoToTheSixtyThree,
            Advice.DONTNEED));
        assertThrows(IllegalArgumentException.class, () -> space.protect(address, toTwoToTheSixtyThree,
            Protection.NONE));
        assertThrows(IllegalArgumentException.class, () -> space.lock(address, toTwoToTheSixtyThree,
            LockMode.ON_FAULT));
    }

    @Test
    void shouldGiveUpEveryPageTheKernelFreedEvenForAnUnroundedLength() {
        final long lease = space.map(0, window.bytes(4), Protection.READ_WRITE, MapFlags.NONE);
        assertTrue(space.owns(lease, window.bytes(4)));

        space.unmap(lease, window.bytes(4) - 1);

        assertFalse(space.owns(lease, 1));
        assertThrows(IllegalArgumentException.class, () -> space.unmap(lease, window.bytes(4)));
    }

    @Test
    void shouldGiveUpALeaseWhoseEveryPageMovedAwayPieceByPiece() {
        final long lease = space.map(0, window.bytes(4), Protection.READ_WRITE, MapFlags.NONE);
        space.protect(lease + window.bytes(1), window.bytes(1), Protection.READ);

        for (int page = 0; page < 4; page++) {
            space.remap(lease + window.bytes(page), window.bytes(1), window.bytes(1),
                RemapFlags.MAYMOVE | RemapFlags.FIXED, window.page(10 + page));
        }

        assertFalse(space.owns(lease, window.bytes(4)));
        assertTrue(space.owns(window.page(10), window.bytes(4)));
    }

    @Test
    void shouldRefuseAZeroLengthRemapOfMemoryItDoesNotOwn() {
        final long elsewhere = space.reserve(window.bytes(1));
        space.unmap(elsewhere, window.bytes(1));

        assertThrows(IllegalArgumentException.class,
            () -> space.remap(elsewhere, 0, window.bytes(1), RemapFlags.MAYMOVE, 0));
        assertThrows(IllegalArgumentException.class,
            () -> space.remap(elsewhere, -1, window.bytes(1), RemapFlags.MAYMOVE, 0));
    }

    @Test
    void shouldRefuseALockWhoseOffsetAndLengthWrapOntoAPageItDoesNotOwn() {
        final long elsewhere = space.reserve(window.bytes(1));
        space.unmap(elsewhere, window.bytes(1));

        // mlock2 adds the offset in the page before rounding: 2 + (2^64 - 1) wraps to one page.
        assertThrows(IllegalArgumentException.class, () -> space.lock(elsewhere + 2, -1L, LockMode.ON_FAULT));
        assertThrows(IllegalArgumentException.class, () -> space.unlock(elsewhere + 2, -1L));
    }

    @Test
    void shouldKeepMemoryItGrewInPlacePastWhereItWasPlaced() {
        final long spot = Reservations.belowLargeFreeGap(space, window.bytes(16));
        space.unmap(spot, window.bytes(16));
        final long placed = space.map(spot, window.bytes(2), Protection.READ_WRITE, MapFlags.NONE);
        assumeTrue(placed == spot, "the kernel did not honour the hint; another thread took the spot");

        assertEquals(placed, space.remap(placed, window.bytes(2), window.bytes(8), 0, 0));
        space.unmap(placed + window.bytes(4), window.bytes(1));

        space.unmap(placed, window.bytes(8));
        assertFalse(space.owns(placed, window.bytes(1)));
    }

    @Test
    void shouldLetItsOwnHolesBeMappedAndMovedInto() {
        window.unmap(5, 3);
        assertTrue(space.owns(window.page(5), window.bytes(3)));

        window.map(5, 1, Protection.READ_WRITE);
        window.fill(5, 1, RW_SEED);
        space.remap(window.page(5), window.bytes(1), window.bytes(1), RemapFlags.MAYMOVE | RemapFlags.FIXED,
            window.page(7));

        assertEquals(-1, window.firstDifference(7, 1, RW_SEED));
        assertEquals(List.of("[0, 5) ---", "[7, 8) rw-"), subList(window.layout(0, 8, MappingSource.PROC_MAPS), 2));
    }

    private static List<String> subList(final List<String> lines, final int count) {
        return lines.subList(0, Math.min(count, lines.size()));
    }

    private long lockedPages(final int pageIndex) {
        final long address = window.page(pageIndex);
        return space.mappings(address, address + 1, MappingSource.SMAPS).get(0).lockedPages();
    }

    private long zeroChecksum(final int pageCount) {
        final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(new byte[(int)window.bytes(pageCount)]);
        return crc.getValue();
    }
}
