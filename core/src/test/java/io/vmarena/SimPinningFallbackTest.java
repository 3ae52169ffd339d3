package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernels older than the features pinning prefers, on the simulator: without MLOCK_ONFAULT
 * (before 4.4) pin() refuses by default, naming the builder setting, and with
 * {@link PinFallback#MLOCK} locks with plain mlock (locked, not on fault, populated);
 * without MADV_POPULATE_WRITE (before 5.14) populate() uses mlock on a pinned arena and does
 * nothing on an unpinned one, saying why. Nothing is ever written.
 */
class SimPinningFallbackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    private SimulatedAddressSpace space;

    @AfterEach
    void closeSpace() {
        if (space != null) {
            space.close();
        }
    }

    private Arena.Builder arena(final KernelProfile profile) {
        space = new SimulatedAddressSpace(profile.withMemlock(KernelProfile.UNLIMITED));
        return Arena.builder().name("fallback").addressSpace(space).segmentBytes(SEGMENT_BYTES)
            .initialBytes(8 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES).retainedBytes(2 * SEGMENT_BYTES)
            .inPlaceGrowth(false);
    }

    private static LiveBlocks fill(final Arena arena, final LiveBlocks blocks, final int count) {
        final SplittableRandom random = new SplittableRandom(count);
        for (int index = 0; index < count; index++) {
            final long lengthBytes = index % 3 == 0 ? 2 * SEGMENT_BYTES - 16 : 1 + random.nextInt(4000);
            final long handle = arena.allocate(lengthBytes);
            blocks.write(arena.address(handle), blocks.add(handle, lengthBytes, random.nextLong()), 0);
        }
        return blocks;
    }

    @Test
    void shouldRefuseMlock2OnFaultWithEinvalBeforeThePermissionCheckWithoutTheFeature() {
        space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withLockOnFault(false).withMemlock(0)
            .withIpcLock(false));
        assertFalse(space.capabilities().lockOnFault().available());
        assertTrue(space.capabilities().lockOnFault().reason().contains("EINVAL, as before 4.4"),
            space.capabilities().lockOnFault().reason());
        final long address = space.map(0, SEGMENT_BYTES, Protection.READ_WRITE, MapFlags.NONE);

        final VmException onFault = assertThrows(VmException.class,
            () -> space.lock(address, SEGMENT_BYTES, LockMode.ON_FAULT));
        assertEquals(Errno.EINVAL, onFault.errno(), "L1: the flag is checked before the permission");
        final VmException plain = assertThrows(VmException.class,
            () -> space.lock(address, SEGMENT_BYTES, LockMode.POPULATE));
        assertEquals(Errno.EPERM, plain.errno(), "plain mlock meets the limit of 0");
    }

    @Test
    void shouldRefuseToPinWithoutMlockOnFaultNamingTheBuilderSetting() {
        try (Arena arena = arena(KernelProfile.LINUX_6_17.withLockOnFault(false)).build()) {
            final LiveBlocks blocks = fill(arena, new LiveBlocks(space), 20);
            final long residentBefore = arena.stats().residentBytes();

            final PinStatus status = arena.pin();

            assertEquals(PinState.REFUSED, status.state(), status::reason);
            assertEquals(0, status.pinnedBytes());
            assertTrue(status.reason().contains("pinFallback(PinFallback.MLOCK)"), status.reason());
            assertTrue(status.reason().contains("MLOCK_ONFAULT"), status.reason());
            assertEquals(0, space.lockedBytes(), "nothing locked");
            assertEquals(residentBefore, arena.stats().residentBytes(), "nothing faulted in");
            assertEquals(PinState.REFUSED, arena.stats().pin().state());
            final long handle = arena.allocate(5 * SEGMENT_BYTES);
            blocks.write(arena.address(handle), blocks.add(handle, 5 * SEGMENT_BYTES, 7), 0);
            assertEquals(0, space.lockedBytes(), "growth is not locked either");
            blocks.checkAll(arena::address, arena::capacity, "refused");
        }
    }

    @Test
    void shouldPinWithPlainMlockWhenBuiltToFallBackAndKeepLockingWhatItCommits() {
        try (Arena arena = arena(KernelProfile.LINUX_6_17.withLockOnFault(false)).pinFallback(PinFallback.MLOCK)
            .build()) {
            final LiveBlocks blocks = fill(arena, new LiveBlocks(space), 20);

            final PinStatus status = arena.pin();

            assertEquals(PinState.PINNED, status.state(), status::reason);
            assertTrue(status.reason().contains("mlock (the kernel lacks MLOCK_ONFAULT)"), status.reason());
            assertTrue(status.pinnedBytes() > 0);
            assertPopulatedAndLocked(arena, "after pin");
            for (int index = 0; index < 20; index++) {
                final long handle = arena.allocate(3 * SEGMENT_BYTES);
                blocks.write(arena.address(handle), blocks.add(handle, 3 * SEGMENT_BYTES, index), 0);
            }
            assertTrue(arena.stats().moves() > 0, "the arena grew by moving");
            assertPopulatedAndLocked(arena, "after growth");
            blocks.checkAll(arena::address, arena::capacity, "after growth");
            assertEquals(PinState.UNPINNED, arena.unpin().state());
            assertEquals(0, space.lockedBytes());
        }
    }

    /** Plain mlock: every VMA of what the arena holds is locked, not on fault, and every page resident. */
    private void assertPopulatedAndLocked(final Arena arena, final String step) {
        final ArenaStats stats = arena.stats();
        assertEquals(PinState.PINNED, stats.pin().state(), step + ": " + stats.pin().reason());
        assertEquals(PinningSteps.heldBytes(arena, SEGMENT_BYTES), stats.pin().pinnedBytes(), step);
        assertEquals(stats.pin().pinnedBytes(), space.lockedBytes(), step + ": VmLck");
        long lockedVmaBytes = 0;
        for (final Mapping vma : space.mappings(stats.baseAddress(), stats.baseAddress() + stats.reservedBytes(),
            MappingSource.SMAPS)) {
            if (vma.locked()) {
                assertFalse(vma.lockOnFault(), step + ": plain mlock, not on fault: " + vma);
                assertEquals(vma.lengthBytes() / space.pageSize(), vma.residentPages(), step + ": populated " + vma);
                assertEquals(vma.lengthBytes() / space.pageSize(), vma.lockedPages(), step + ": Locked " + vma);
                lockedVmaBytes += vma.lengthBytes();
            }
        }
        assertEquals(stats.pin().pinnedBytes(), lockedVmaBytes, step);
        assertEquals(stats.pin().pinnedBytes(), stats.lockedBytes(), step + ": Locked of the range");
    }

    @Test
    void shouldPopulateNothingWithoutPopulateWriteUnlessPinnedAndThenWithMlock() {
        try (Arena arena = arena(KernelProfile.LINUX_6_17.withPopulateWrite(false)).build()) {
            final LiveBlocks blocks = fill(arena, new LiveBlocks(space), 20);
            final long residentBefore = arena.stats().residentBytes();
            assertTrue(residentBefore < PinningSteps.heldBytes(arena, SEGMENT_BYTES), "something to populate");

            final PopulateResult unpinned = arena.populate();

            assertEquals(PopulateResult.Method.NONE, unpinned.method(), unpinned::reason);
            assertEquals(0, unpinned.populatedBytes(), unpinned::toString);
            assertTrue(unpinned.reason().contains("lacks MADV_POPULATE_WRITE"), unpinned.reason());
            assertTrue(unpinned.reason().contains("pin() it first"), unpinned.reason());
            assertEquals(residentBefore, unpinned.residentBytesAfter(), "nothing was written or faulted in");
            blocks.checkAll(arena::address, arena::capacity, "after populate, unpinned");

            assertEquals(PinState.PINNED, arena.pin().state());
            final long lockedBefore = space.lockedBytes();
            final PopulateResult pinned = arena.populate();

            assertEquals(PopulateResult.Method.MLOCK, pinned.method(), pinned::reason);
            final long heldBytes = PinningSteps.heldBytes(arena, SEGMENT_BYTES);
            assertEquals(heldBytes, pinned.populatedBytes(), pinned::toString);
            assertEquals(heldBytes, pinned.residentBytesAfter(), "every held page is resident: " + pinned);
            assertTrue(pinned.reason().contains("populated with mlock"), pinned.reason());
            assertEquals(lockedBefore, space.lockedBytes(), "L10: relocking does not count twice");
            for (final Mapping vma : space.mappings(arena.stats().baseAddress(), arena.stats().baseAddress()
                + arena.stats().reservedBytes(), MappingSource.SMAPS)) {
                assertTrue(!vma.locked() || vma.lockOnFault(), "locked on fault again: " + vma);
            }
            blocks.checkAll(arena::address, arena::capacity, "after populate, pinned");
        }
    }

    @Test
    void shouldPopulateWithPopulateWriteWithoutChangingAByte() {
        try (Arena arena = arena(KernelProfile.LINUX_6_17).build()) {
            final LiveBlocks blocks = fill(arena, new LiveBlocks(space), 20);

            final PopulateResult result = arena.populate();

            assertEquals(PopulateResult.Method.POPULATE_WRITE, result.method(), result::reason);
            assertEquals(PinningSteps.heldBytes(arena, SEGMENT_BYTES), result.residentBytesAfter(), result::toString);
            assertEquals(0, space.lockedBytes(), "populating does not lock");
            blocks.checkAll(arena::address, arena::capacity, "after populate");
        }
    }
}
