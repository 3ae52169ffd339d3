package io.vmarena.vm.sim;

import io.vmarena.vm.Advice;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.MoveResult;
import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RangeMover;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.Residency;
import io.vmarena.vm.VmException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the scenarios cannot show on Linux: the vm.max_map_count thresholds of
 * kernel-semantics 1.13 (a real process would need 65,530 VMAs), the model's counters, the
 * poison a move leaves behind, and the simulator's own lifecycle.
 */
class SimulatedAddressSpaceTest {
    private static final long PAGE = 4096;
    /** The reservation below is 1 VMA; each test builds its map count from there. */
    private static final int MAX = 40;

    private SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withMaxMapCount(MAX),
        64L << 20);
    private final long base = space.reserve(256 * PAGE);

    @AfterEach
    void free() {
        space.close();
    }

    private long page(final long index) {
        return base + index * PAGE;
    }

    /**
     * Maps single pages down from the reservation's tail, alternating r-- and rw- so none
     * merges: each adds exactly one VMA (the reservation shrinks), until the process has
     * {@code count}.
     */
    private void growMapCountTo(final int count) {
        for (int i = 0; space.vmaCount() < count; i++) {
            space.map(page(255 - i), PAGE, i % 2 == 0 ? Protection.READ : Protection.READ_WRITE, MapFlags.FIXED);
        }
        assertEquals(count, space.vmaCount());
    }

    @Test
    void shouldLeaveOneSplitBehindWhenAMiddleProtectFailsAtOneBelowTheLimit() {
        space.map(page(0), 8 * PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        growMapCountTo(MAX - 1);

        final VmException failure = assertThrows(VmException.class,
            () -> space.protect(page(2), 2 * PAGE, Protection.READ));

        assertEquals(Errno.ENOMEM, failure.errno());
        assertEquals(MAX, space.vmaCount(), "MP7: the first split stays");
        assertEquals(2, space.mappings(page(0), page(8)).size());
        assertEquals(Protection.READ_WRITE, space.mappings(page(2), page(3)).get(0).protection());
    }

    /**
     * A madvise split refused at the limit: mprotect's ENOMEM in the model of 6.18; 6.1's
     * madvise_vma_behavior turns it into EAGAIN (read in 6.1.176's mm/madvise.c: no scenario
     * can lower vm.max_map_count on Linux). The head split stays either way.
     */
    @Test
    void shouldRefuseAHugePageAdviceSplitAtTheLimitWithEagainOnSixOne() {
        space.close();
        space = new SimulatedAddressSpace(KernelProfile.LINUX_6_1.withMaxMapCount(MAX), 64L << 20);
        final long start = space.reserve(256 * PAGE);
        space.map(start, 8 * PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        for (int i = 0; space.vmaCount() < MAX - 1; i++) {
            space.map(start + (255 - i) * PAGE, PAGE, i % 2 == 0 ? Protection.READ : Protection.READ_WRITE,
                MapFlags.FIXED);
        }

        final VmException failure = assertThrows(VmException.class,
            () -> space.advise(start + 2 * PAGE, 2 * PAGE, Advice.HUGEPAGE));

        assertEquals(Errno.EAGAIN, failure.errno());
        assertEquals(MAX, space.vmaCount(), "the first split stays");
    }

    @Test
    void shouldProtectAHeadAtOneBelowTheLimitButNotAtIt() {
        space.map(page(0), 8 * PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        growMapCountTo(MAX - 1);
        space.protect(page(0), PAGE, Protection.READ);
        assertEquals(MAX, space.vmaCount());

        assertEquals(Errno.ENOMEM, assertThrows(VmException.class,
            () -> space.protect(page(4), PAGE, Protection.READ)).errno());
    }

    @Test
    void shouldMoveWithFixedAtSixBelowTheLimit() {
        space.map(page(0), 2 * PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        growMapCountTo(MAX - 6);

        space.remap(page(0), 2 * PAGE, 2 * PAGE, RemapFlags.MAYMOVE | RemapFlags.FIXED, page(20));
    }

    @Test
    void shouldRefuseFixedMovesFromFiveBelowTheLimit() {
        space.map(page(0), 2 * PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        growMapCountTo(MAX - 5);

        assertEquals(Errno.ENOMEM, assertThrows(VmException.class, () -> space.remap(page(0), 2 * PAGE, 2 * PAGE,
            RemapFlags.MAYMOVE | RemapFlags.FIXED, page(20))).errno());
    }

    @Test
    void shouldMapIntoAHoleUpToOneAboveTheLimitAndNoFurther() {
        space.unmap(page(100), 4 * PAGE);
        growMapCountTo(MAX);
        space.map(page(100), PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        assertEquals(MAX + 1, space.vmaCount(), "MM1: count may reach max + 1");

        assertEquals(Errno.ENOMEM, assertThrows(VmException.class,
            () -> space.map(page(102), PAGE, Protection.READ_WRITE, MapFlags.FIXED)).errno());
    }

    @Test
    void shouldRefuseToUnmapAMiddleAtTheLimitButAlwaysUnmapAHead() {
        space.map(page(0), 8 * PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        growMapCountTo(MAX);

        assertEquals(Errno.ENOMEM, assertThrows(VmException.class, () -> space.unmap(page(2), PAGE)).errno());
        space.unmap(page(0), PAGE);
        assertEquals(MAX, space.vmaCount(), "U3: a head never needs a split");
    }

    @Test
    void shouldPoisonWhatAMoveLeftBehindAndCarryTheBytes() {
        space.map(page(0), PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        new UnsafeBuffer(page(0), (int)PAGE).setMemory(0, (int)PAGE, (byte)7);
        space.written(page(0), PAGE);

        space.remap(page(0), PAGE, PAGE, RemapFlags.MAYMOVE | RemapFlags.FIXED, page(10));

        assertEquals(7, new UnsafeBuffer(page(10), (int)PAGE).getByte(100));
        assertEquals((byte)0xA5, new UnsafeBuffer(page(0), (int)PAGE).getByte(100));
        space.map(page(0), PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        assertEquals(0, new UnsafeBuffer(page(0), (int)PAGE).getByte(100), "a fresh mapping reads zero");
    }

    @Test
    void shouldCountOneCallForAMultiVmaMoveAndOnePerVmaOnLinux61() {
        final MoveResult multi = moveFiveVmas(space);
        assertEquals(new MoveResult(MoveStrategy.MULTI_VMA, 1, -1, 0), multi);
        assertEquals(5, space.counters().vmasMoved());

        space.close();
        space = new SimulatedAddressSpace(KernelProfile.LINUX_6_1, 64L << 20);
        final MoveResult perVma = moveFiveVmas(space);
        assertEquals(new MoveResult(MoveStrategy.PER_VMA_PROC_MAPS, 5, 5, 0), perVma);
        assertEquals(5, space.counters().vmasMoved());
        assertEquals(10, space.counters().pagesMoved());
    }

    private static MoveResult moveFiveVmas(final SimulatedAddressSpace addressSpace) {
        final long start = addressSpace.reserve(64 * PAGE);
        addressSpace.map(start, 10 * PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        for (int i = 1; i < 8; i += 4) {
            addressSpace.protect(start + i * PAGE, 2 * PAGE, Protection.READ);
        }
        return new RangeMover(addressSpace).move(start, 10 * PAGE, start + 32 * PAGE);
    }

    @Test
    void shouldKeepTheDontunmapLeakInVmLck() {
        space.map(page(0), 4 * PAGE, Protection.READ_WRITE, MapFlags.FIXED);
        space.lock(page(0), 4 * PAGE, LockMode.ON_FAULT);

        space.remap(page(0), 4 * PAGE, 4 * PAGE, RemapFlags.MAYMOVE | RemapFlags.FIXED | RemapFlags.DONTUNMAP,
            page(10));
        space.unmap(page(0), 20 * PAGE);

        assertEquals(4 * PAGE, space.lockedBytes(), "DU4: the old VMA's pages are never given back");
    }

    @Test
    void shouldCountMlockOfProtNoneThoughItFails() {
        final VmException failure = assertThrows(VmException.class,
            () -> space.lock(page(0), 2 * PAGE, LockMode.POPULATE));

        assertEquals(Errno.ENOMEM, failure.errno());
        assertEquals(2 * PAGE, space.lockedBytes(), "L12: VM_LOCKED stays set and counted");
    }

    /**
     * The simulator's capabilities say PAGEMAP_SCAN is there, on every profile, and why; and its
     * residency does what that promises: smaps' figure, a zero-page read not resident (where a
     * kernel without PAGEMAP_SCAN, through mincore, would count it).
     */
    @Test
    void shouldSayItAnswersResidencyFromItsOwnPagesOnEveryProfile() {
        for (final KernelProfile profile : new KernelProfile[] {KernelProfile.LINUX_6_17, KernelProfile.LINUX_6_1}) {
            final SimulatedAddressSpace other = new SimulatedAddressSpace(profile, 64L << 20);
            try {
                assertTrue(other.capabilities().pagemapScan().available(), profile.kernel());
                assertEquals("the simulator answers residency from its own pages, as smaps counts them (a zero-page "
                    + "read is not resident), on every simulated kernel", other.capabilities().pagemapScan().reason());
                final long mapped = other.map(0, 8 * PAGE, Protection.READ_WRITE, MapFlags.NORESERVE);
                other.read(mapped, 4 * PAGE);
                other.written(mapped + 6 * PAGE, 1);
                assertEquals(new Residency(PAGE, 0), other.residency(mapped, mapped + 8 * PAGE), profile.kernel());
            } finally {
                other.close();
            }
        }
    }

    @Test
    void shouldRefuseEveryCallOnceClosed() {
        space.close();

        assertThrows(IllegalStateException.class, () -> space.reserve(PAGE));
        assertThrows(IllegalStateException.class, () -> space.mappings(base, base + PAGE));
        assertThrows(IllegalStateException.class, () -> space.written(base, 1));
    }

    @Test
    void shouldRefuseProfilesItCannotPlay() {
        assertThrows(IllegalArgumentException.class, () -> KernelProfile.LINUX_6_17.withPageSize(8192));
        assertThrows(IllegalArgumentException.class, () -> KernelProfile.forKernel("5.15"));
        assertThrows(IllegalArgumentException.class, () -> new SimulatedAddressSpace(KernelProfile.LINUX_6_17, 1000));
    }
}
