package io.vmarena;

import io.vmarena.support.CapturedLog;
import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.vm.Errno;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MoveStrategy;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Defects a review of the first pinning code found, each proven by a test that failed: the locked
 * places must always be exactly what the kernel has locked (VmLck), and a refusal is logged once.
 */
class PinningRegressionTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    /**
     * A pinned block that moves to grow used to lock its whole destination before the move (old
     * and new locked at once): near the limit that was refused, and the block ended in part
     * unpinned though all of it fit afterwards.
     */
    @Test
    void shouldStayWhollyPinnedWhenABlockMovesToGrowNearTheLimit() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withIpcLock(false)
            .withMemlock(10 * SEGMENT_BYTES));
            Arena arena = Arena.builder().addressSpace(space).name("near-limit").segmentBytes(SEGMENT_BYTES)
                .initialBytes(32 * SEGMENT_BYTES).retainedBytes(0).build()) {
            final long block = arena.allocate(5 * SEGMENT_BYTES);
            arena.allocate(SEGMENT_BYTES); // hems the block in: it must move to grow
            assertEquals(PinState.PINNED, arena.pin().state());
            final long movesBefore = arena.stats().moves();

            arena.reallocate(block, 6 * SEGMENT_BYTES); // 7 segments held: within the limit of 10

            final ArenaStats stats = arena.stats();
            assertEquals(movesBefore + 1, stats.moves(), "the block moved");
            assertEquals(PinState.PINNED, stats.pin().state(), stats.pin().reason());
            assertEquals(7 * SEGMENT_BYTES, stats.pin().pinnedBytes());
            assertEquals(space.lockedBytes(), stats.pin().pinnedBytes());
        }
    }

    /**
     * A copying move that failed part way was undone with mremap, which brought the copies back
     * unlocked (they were to be locked only at the end) while their places stayed LOCKED. Fails
     * every map of a growth by copying in turn.
     */
    @Test
    void shouldKeepLocksWhereTheFlagsSayWhenACopyingMoveFailsPartWay() {
        for (int failingMap = 1; failingMap < 16; failingMap++) {
            try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
                .withMemlock(KernelProfile.UNLIMITED))) {
                final FailingNthMap space = new FailingNthMap(simulator);
                try (Arena arena = Arena.builder().addressSpace(space).name("copy").segmentBytes(SEGMENT_BYTES)
                    .initialBytes(8 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES).inPlaceGrowth(false)
                    .moveStrategy(MoveStrategy.COPY).build()) {
                    arena.allocate(3 * SEGMENT_BYTES);
                    arena.allocate(SEGMENT_BYTES / 2);
                    arena.pin();
                    space.failAt = failingMap;
                    try {
                        arena.allocate(8 * SEGMENT_BYTES); // grows by a copying move
                    } catch (final ArenaFullException refused) {
                        // the growth was undone: the accounting must still be exact
                    }
                    space.failAt = 0;
                    final ArenaStats stats = arena.stats();
                    assertEquals(simulator.lockedBytes(), stats.pin().pinnedBytes(), "map " + failingMap + " failed");
                }
            }
        }
    }

    /**
     * A limit refusal was logged again whenever stats() had seen the arena wholly pinned in
     * between, and each later claim paid failed mlock2 calls.
     */
    @Test
    void shouldLogALimitRefusalOnceAndNotRetryItOnEveryClaim() {
        try (CapturedLog warnings = new CapturedLog(Arena.class.getName());
            SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withIpcLock(false)
            .withMemlock(4 * SEGMENT_BYTES))) {
            final CountingLocks space = new CountingLocks(simulator);
            try (Arena arena = Arena.builder().addressSpace(space).name("at-limit").segmentBytes(SEGMENT_BYTES)
                .initialBytes(32 * SEGMENT_BYTES).retainedBytes(0).build()) {
                arena.allocate(4 * SEGMENT_BYTES);
                arena.pin();
                for (int cycle = 0; cycle < 5; cycle++) {
                    arena.free(arena.allocate(8 * SEGMENT_BYTES)); // past the limit: grows on unpinned
                    arena.stats(); // a metrics exporter polling
                }
                assertEquals(1, warnings.records.size(), "logged once");
                assertEquals(1, space.failedLocks, "tried once at the limit");
                assertEquals(simulator.lockedBytes(), arena.stats().pin().pinnedBytes());
            }
        }
    }

    /**
     * A pin under a limit smaller than the arena found what fits by halving after each refusal:
     * a failed call and an exception per step (208 ms for the demo's arena under 8 MiB). It asks
     * for what RLIMIT_MEMLOCK leaves room for, and takes one refusal for the rest.
     */
    @Test
    void shouldPinWhatTheLimitLeavesRoomForWithOneRefusal() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withIpcLock(false)
            .withMemlock(5 * SEGMENT_BYTES))) {
            final CountingLocks space = new CountingLocks(simulator);
            try (Arena arena = Arena.builder().addressSpace(space).name("room").segmentBytes(SEGMENT_BYTES)
                .initialBytes(64 * SEGMENT_BYTES).build()) {
                arena.allocate(40 * SEGMENT_BYTES);

                final PinStatus status = arena.pin();

                assertEquals(PinState.PARTLY_PINNED, status.state(), status.reason());
                assertEquals(5 * SEGMENT_BYTES, status.pinnedBytes(), status.reason());
                assertEquals(1, space.failedLocks, "one refusal, in the kernel's words: " + status.reason());
                assertEquals(simulator.lockedBytes(), status.pinnedBytes());
            }
        }
    }

    /**
     * A block's move to grow failed part way (Linux 6.1: one call per VMA) and the hole its undo
     * left could not be reserved again: the place was taken out of use still flagged COMMITTED,
     * RETAINED and LOCKED, so the arena counted bytes as pinned that the kernel had not locked,
     * and trim and unpin failed over the hole.
     */
    @Test
    void shouldCountNothingOfAPlaceTakenOutOfUse() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_1
            .withMemlock(KernelProfile.UNLIMITED))) {
            final FailingSecondRemap space = new FailingSecondRemap(simulator);
            try (Arena arena = Arena.builder().addressSpace(space).name("quarantine").segmentBytes(SEGMENT_BYTES)
                .initialBytes(32 * SEGMENT_BYTES).retainedBytes(32 * SEGMENT_BYTES).build()) {
                final long block = arena.allocate(2 * SEGMENT_BYTES);
                arena.allocate(SEGMENT_BYTES); // hems the block in
                arena.pin(SEGMENT_BYTES, "test"); // the block's first place locked alone
                final long address = arena.address(block);
                simulator.written(address, SEGMENT_BYTES);
                simulator.written(address + SEGMENT_BYTES, SEGMENT_BYTES); // two anon_vmas: two VMAs
                arena.pin();
                space.fixedRemaps = 0;
                try {
                    arena.reallocate(block, 3 * SEGMENT_BYTES); // the second VMA's move is refused
                } catch (final ArenaFullException refused) {
                    // undone
                }
                space.fixedRemaps = -1;

                assertEquals(simulator.lockedBytes(), arena.stats().pin().pinnedBytes(), "after the failed move");
                arena.pin();
                assertEquals(simulator.lockedBytes(), arena.stats().pin().pinnedBytes(), "pinned again");
                arena.trim(Long.MAX_VALUE);
                assertEquals(simulator.lockedBytes(), arena.stats().pin().pinnedBytes(), "after trim");
                assertEquals(PinState.UNPINNED, arena.unpin().state());
                assertEquals(0, simulator.lockedBytes(), "unpin unlocks all");
            }
        }
    }

    /** Fails the {@code failAt}-th map after it is set (0: none) with ENOMEM. */
    private static final class FailingNthMap extends ForwardingAddressSpace {
        int failAt;
        private int maps;

        FailingNthMap(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
            if (failAt == 0) {
                maps = 0;
            } else if (++maps == failAt) {
                throw new VmException("mmap", "0x" + Long.toHexString(address), Errno.ENOMEM, "injected");
            }
            return super.map(address, lengthBytes, protection, flags);
        }
    }

    /** Counts the locks the simulated kernel refused. */
    private static final class CountingLocks extends ForwardingAddressSpace {
        int failedLocks;

        CountingLocks(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public void lock(final long address, final long lengthBytes, final LockMode mode) {
            try {
                super.lock(address, lengthBytes, mode);
            } catch (final VmException refused) {
                failedLocks++;
                throw refused;
            }
        }
    }

    /** Once armed (fixedRemaps = 0), refuses the second FIXED remap, then the next map. */
    private static final class FailingSecondRemap extends ForwardingAddressSpace {
        int fixedRemaps = -1;
        private boolean failNextMap;

        FailingSecondRemap(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
            final long newAddress) {
            if ((flags & RemapFlags.FIXED) != 0 && fixedRemaps >= 0 && ++fixedRemaps == 2) {
                failNextMap = true;
                throw new VmException("mremap", "0x" + Long.toHexString(oldAddress), Errno.ENOMEM, "injected");
            }
            return super.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
        }

        @Override
        public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
            if (failNextMap) {
                failNextMap = false;
                throw new VmException("mmap", "0x" + Long.toHexString(address), Errno.ENOMEM, "injected");
            }
            return super.map(address, lengthBytes, protection, flags);
        }
    }
}
