package io.vmarena.vm;

import io.vmarena.vm.support.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every {@link MoveStrategy} must leave the same layout and the same bytes as one multi-VMA
 * {@code mremap} (or, where the kernel lacks that, as per-VMA moves with known boundaries),
 * and fail with the same errno. Runs on every backend.
 */
public abstract class RangeMoverContract {
    /** Source window pages [0, 24), destination [30, 54). */
    private static final int SOURCE_PAGES = 24;
    private static final int TARGET = 30;

    protected AddressSpace space;
    protected RangeMover mover;
    private Window window;

    protected abstract AddressSpace addressSpace();

    @BeforeEach
    void open() {
        space = addressSpace();
        mover = new RangeMover(space);
        window = new Window(space, 64);
    }

    @AfterEach
    void close() {
        window.close();
        release(space);
    }

    /** Called after each test, once the window is gone: a simulator frees its memory here. */
    protected void release(final AddressSpace addressSpace) {
    }

    /**
     * <pre>
     * [0,4) rw- filled   [4,6) r-- filled   6 hole   [7,10) rw- locked onfault, 2 touched
     * [10,12) --- reservation   [12,16) rw- untouched   16 hole   [17,20) rw- locked, filled
     * [20,24) rw- filled
     * </pre>
     */
    private void buildMixedLayout() {
        window.map(0, 6, Protection.READ_WRITE);
        window.fill(0, 6, 1);
        window.protect(4, 2, Protection.READ);
        window.unmap(6, 1);
        window.map(7, 3, Protection.READ_WRITE);
        space.lock(window.page(7), window.bytes(3), LockMode.ON_FAULT);
        window.touch(7, 2);
        window.map(12, 4, Protection.READ_WRITE);
        window.unmap(16, 1);
        window.map(17, 7, Protection.READ_WRITE);
        window.fill(17, 7, 2);
        space.lock(window.page(17), window.bytes(3), LockMode.POPULATE);
    }

    private MoveStrategy reference() {
        return space.capabilities().multiVmaMove().available() ? MoveStrategy.MULTI_VMA : MoveStrategy.PER_VMA_KNOWN;
    }

    /** The destination's layout and the checksums of its readable pages after moving with {@code strategy}. */
    private List<String> moveAndDescribe(final MoveStrategy strategy) {
        buildMixedLayout();
        final List<Mapping> known = space.mappings(window.page(0), window.page(SOURCE_PAGES));
        final long[] sums = {window.checksum(0, 6), window.checksum(7, 3), window.checksum(12, 4),
            window.checksum(17, 7)};
        try {
            final MoveResult result = mover.move(window.page(0), window.bytes(SOURCE_PAGES), window.page(TARGET),
                strategy, strategy == MoveStrategy.PER_VMA_KNOWN ? known : null);
            assertEquals(strategy, result.strategy());
            assertEquals(List.of(), window.layout(0, SOURCE_PAGES, MappingSource.PROC_MAPS), "source left empty");
            final long[] after = {window.checksum(TARGET, 6), window.checksum(TARGET + 7, 3),
                window.checksum(TARGET + 12, 4), window.checksum(TARGET + 17, 7)};
            for (int i = 0; i < sums.length; i++) {
                assertEquals(sums[i], after[i], strategy + ": bytes of piece " + i);
            }
            final List<String> description = new ArrayList<>(window.layout(TARGET, SOURCE_PAGES, MappingSource.SMAPS));
            if (strategy == MoveStrategy.COPY) {
                // A copy faults in every page it writes; residency is not part of the layout.
                description.replaceAll(line -> line.replaceAll(" rss=\\d+", ""));
            }
            return description;
        } finally {
            space.unlock(window.page(TARGET), window.bytes(SOURCE_PAGES));
        }
    }

    @ParameterizedTest
    @EnumSource(MoveStrategy.class)
    void shouldLeaveTheSameLayoutAndBytesAsTheReference(final MoveStrategy strategy) {
        final String missing = mover.resolve(strategy, true).unavailableReason(space.capabilities());
        assumeTrue(missing == null, () -> strategy + ": " + missing);
        final MoveStrategy reference = reference();
        final List<String> expected = moveAndDescribe(reference);
        window.close();
        window = new Window(space, 64);

        final List<String> actual = moveAndDescribe(strategy == MoveStrategy.AUTO ? mover.resolve(strategy, false)
            : strategy);

        if (strategy == MoveStrategy.COPY) {
            expected.replaceAll(line -> line.replaceAll(" rss=\\d+", ""));
        }
        assertEquals(expected, actual);
        if (strategy == MoveStrategy.COPY) {
            return;
        }
        // The checksums read every page, the untouched ones too (page 9 of the on-fault piece,
        // the whole of [12, 16)): a kernel without the zero page allocated a page at each read.
        final boolean zeroPage = space.capabilities().zeroPage().available();
        assertEquals(List.of("[30, 34) rw- rss=4", "[34, 36) r-- rss=2", "[36, 37) --- rss=0 noreserve",
            "[37, 40) rw- rss=" + (zeroPage ? 2 : 3) + " locked"
                + (space.capabilities().lockOnFaultShown().available() ? " onfault" : ""), "[40, 42) --- rss=0 noreserve",
            "[42, 46) rw- rss=" + (zeroPage ? 0 : 4), "[46, 47) --- rss=0 noreserve", "[47, 50) rw- rss=3 locked",
            "[50, 54) rw- rss=4"), actual, "the shifted source layout (" + space.capabilities().zeroPage().reason()
            + ")");
    }

    /**
     * A copy locks its target as the source was locked: a range locked on fault and never
     * touched stays unpopulated, also where smaps cannot show lf (6.1), so the mode is unknown.
     */
    @Test
    void shouldKeepAnUntouchedRangeLockedOnFaultUnpopulatedWhenCopying() {
        assumeTrue(space.capabilities().lockOnFault().available(), "needs MLOCK_ONFAULT");
        window.map(0, 4, Protection.READ_WRITE);
        space.lock(window.page(0), window.bytes(4), LockMode.ON_FAULT);

        mover.move(window.page(0), window.bytes(4), window.page(TARGET), MoveStrategy.COPY, null);

        assertEquals(List.of("[30, 34) rw- rss=0 locked"
            + (space.capabilities().lockOnFaultShown().available() ? " onfault" : "")),
            window.layout(TARGET, 4, MappingSource.SMAPS));
        space.unlock(window.page(TARGET), window.bytes(4));
    }

    @ParameterizedTest
    @EnumSource(value = MoveStrategy.class, names = {"AUTO", "COPY"}, mode = EnumSource.Mode.EXCLUDE)
    void shouldFailWithEfaultWhenTheRangeStartsInAHole(final MoveStrategy strategy) {
        assumeTrue(strategy.unavailableReason(space.capabilities()) == null,
            () -> strategy + ": " + strategy.unavailableReason(space.capabilities()));
        window.unmap(0, 1);
        window.map(1, 3, Protection.READ_WRITE);
        final List<String> before = window.layout(0, 64, MappingSource.PROC_MAPS);
        final List<Mapping> known = space.mappings(window.page(0), window.page(4));

        final VmException failure = assertThrows(VmException.class, () -> mover.move(window.page(0),
            window.bytes(4), window.page(TARGET), strategy, known));

        assertEquals(Errno.EFAULT, failure.errno());
        assertEquals(before, window.layout(0, 64, MappingSource.PROC_MAPS));
    }

    @ParameterizedTest
    @EnumSource(value = MoveStrategy.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void shouldFailWithEinvalWhenSourceAndDestinationOverlap(final MoveStrategy strategy) {
        assumeTrue(strategy.unavailableReason(space.capabilities()) == null,
            () -> strategy + ": " + strategy.unavailableReason(space.capabilities()));
        window.map(0, 4, Protection.READ_WRITE);
        final List<Mapping> known = space.mappings(window.page(0), window.page(4));

        final VmException failure = assertThrows(VmException.class, () -> mover.move(window.page(0),
            window.bytes(4), window.page(2), strategy, known));

        assertEquals(Errno.EINVAL, failure.errno());
        assertEquals(List.of("[0, 4) rw-", "[4, 64) ---"), window.layout(0, 64, MappingSource.PROC_MAPS));
    }

    @Test
    void shouldMoveAcrossVmasInOneCallWhereTheKernelAllowsIt() {
        assumeTrue(space.capabilities().multiVmaMove().available(), "needs multi-VMA moves");
        buildMixedLayout();

        final MoveResult result = mover.move(window.page(0), window.bytes(SOURCE_PAGES), window.page(TARGET));

        assertEquals(new MoveResult(MoveStrategy.MULTI_VMA, 1, -1, 0), result);
        space.unlock(window.page(TARGET), window.bytes(SOURCE_PAGES));
    }

    @Test
    void shouldRefuseAMultiVmaMoveWithEfaultAndMoveNothingWhereTheKernelCannot() {
        assumeTrue(!space.capabilities().multiVmaMove().available(), "the kernel moves across VMAs");
        window.map(0, 4, Protection.READ_WRITE);
        window.protect(1, 1, Protection.READ);
        final List<String> before = window.layout(0, 64, MappingSource.PROC_MAPS);

        final VmException failure = assertThrows(VmException.class, () -> mover.move(window.page(0),
            window.bytes(4), window.page(TARGET), MoveStrategy.MULTI_VMA, null));

        assertEquals(Errno.EFAULT, failure.errno());
        assertEquals(before, window.layout(0, 64, MappingSource.PROC_MAPS));
    }

    /** One VMA needs no multi-VMA move: MULTI_VMA moves it on any kernel, in the one call. */
    @Test
    void shouldMoveOneVmaWithMultiVmaEvenWhereTheKernelCannotSpanVmas() {
        window.map(0, 4, Protection.READ_WRITE);
        window.fill(0, 4, 5);

        final MoveResult result = mover.move(window.page(1), window.bytes(2), window.page(TARGET),
            MoveStrategy.MULTI_VMA, null);

        assertEquals(new MoveResult(MoveStrategy.MULTI_VMA, 1, -1, 0), result);
        assertEquals(List.of("[0, 1) rw-", "[3, 4) rw-"), window.layout(0, 4, MappingSource.PROC_MAPS));
        assertEquals(-1, window.firstDifference(TARGET, 2, 5 + 31), "pages 1 and 2 of the fill, moved"); // fill: seed + 31 * page + byte
    }

    @ParameterizedTest
    @EnumSource(value = MoveStrategy.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void shouldMoveTheWholeLastPageOfALengthThatIsNotAPageMultiple(final MoveStrategy strategy) {
        assumeTrue(strategy.unavailableReason(space.capabilities()) == null,
            () -> strategy + ": " + strategy.unavailableReason(space.capabilities()));
        window.map(0, 2, Protection.READ_WRITE);
        window.fill(0, 2, 3);
        window.protect(1, 1, Protection.READ);
        final List<Mapping> known = space.mappings(window.page(0), window.page(2), MappingSource.SMAPS);

        mover.move(window.page(0), window.bytes(1) + 100, window.page(TARGET), strategy, known);

        assertEquals(-1, window.firstDifference(TARGET, 2, 3));
        assertEquals(List.of("[30, 31) rw-", "[31, 32) r--"), window.layout(TARGET, 2, MappingSource.PROC_MAPS));
    }

    @ParameterizedTest
    @EnumSource(value = MoveStrategy.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void shouldMoveNothingWhenTheRangeRunsPastItsOwnMemory(final MoveStrategy strategy) {
        assumeTrue(strategy.unavailableReason(space.capabilities()) == null,
            () -> strategy + ": " + strategy.unavailableReason(space.capabilities()));
        window.map(56, 8, Protection.READ_WRITE);
        final List<String> before = window.layout(0, 64, MappingSource.PROC_MAPS);
        final List<Mapping> known = space.mappings(window.page(56), window.page(66));

        assertThrows(IllegalArgumentException.class, () -> mover.move(window.page(56), window.bytes(10),
            window.page(0), strategy, known));

        assertEquals(before, window.layout(0, 64, MappingSource.PROC_MAPS));
    }

    @Test
    void shouldCopyFromTheKernelsLayoutNotAStaleOneItWasGiven() {
        window.map(0, 4, Protection.READ_WRITE);
        window.fill(0, 4, 9);
        final List<Mapping> stale = space.mappings(window.page(0), window.page(4), MappingSource.SMAPS);
        window.unmap(1, 1);

        mover.move(window.page(0), window.bytes(4), window.page(TARGET), MoveStrategy.COPY, stale);

        assertEquals(List.of("[30, 31) rw-", "[31, 32) ---", "[32, 34) rw-"),
            window.layout(TARGET, 4, MappingSource.PROC_MAPS));
        assertEquals(-1, window.firstDifference(TARGET + 2, 2, 9 + 31 * 2));
    }

    @Test
    void shouldRefusePerVmaKnownWithoutALayout() {
        window.map(0, 4, Protection.READ_WRITE);
        assertThrows(IllegalArgumentException.class, () -> mover.move(window.page(0), window.bytes(4),
            window.page(TARGET), MoveStrategy.PER_VMA_KNOWN, null));
    }
}
