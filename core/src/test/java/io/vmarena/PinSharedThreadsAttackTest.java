package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pin(), unpin() and populate() on a shared arena while other threads allocate, write,
 * reallocate, free and compact it, under a memlock limit smaller than the arena, so pins are
 * partial and growth runs past the limit. Every thread runs a fixed number of steps (no timing);
 * then every byte of every live block is read back and the locked bytes must be exact:
 * pinnedBytes == the range's locked VMAs == VmLck, and what a pin wanted is locked or counted
 * as unpinned.
 */
class PinSharedThreadsAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final int STEPS = 400;

    private final List<LiveBlocks> allBlocks = new CopyOnWriteArrayList<>();
    private final ThreadLocal<LiveBlocks> own = new ThreadLocal<>();

    @Test
    void shouldKeepEveryByteAndExactLockAccountsWhilePinningFromOneThreadAndChangingFromOthers() throws Exception {
        for (final long memlockSegments : new long[] {12, 48}) {
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
                .withMemlock(memlockSegments * SEGMENT_BYTES).withIpcLock(false));
                Arena arena = Arena.builder().name("pin-shared").addressSpace(space).threading(Threading.SHARED)
                    .segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES)
                    .retainedBytes(2 * SEGMENT_BYTES).inPlaceGrowth(false).build()) {
                allBlocks.clear();
                final AtomicInteger pins = new AtomicInteger();
                final StressThreads threads = new StressThreads();
                final CountDownLatch done = new CountDownLatch(5);
                for (int churner = 0; churner < 2; churner++) {
                    threads.add("churner-" + churner, 100 + churner, steps(done, random -> churn(arena, space,
                        random)));
                }
                threads.add("pinner", 200, steps(done, random -> {
                    final int choice = random.nextInt(10);
                    if (choice < 5) {
                        arena.pin();
                        pins.incrementAndGet();
                    } else if (choice < 8) {
                        arena.unpin();
                    } else {
                        arena.populate();
                    }
                }));
                threads.add("compactor", 300, steps(done, random -> {
                    if (random.nextBoolean()) {
                        arena.compactSlice();
                    } else {
                        arena.compact();
                    }
                }));
                threads.add("trimmer", 400, steps(done, random -> arena.trim(random.nextInt(3) * SEGMENT_BYTES)));
                threads.start();
                final boolean finished = done.await(5, TimeUnit.MINUTES);
                threads.stopAndJoin();
                assertTrue(finished, "every thread ran its steps");
                assertTrue(pins.get() > 0);

                arena.pin(); // the last word: wholly or partly pinned, so the accounts are checked with locks held
                for (final LiveBlocks blocks : allBlocks) {
                    blocks.checkAll(arena::address, arena::capacity, memlockSegments + " segments: at the end");
                }
                final ArenaStats stats = arena.stats();
                final PinStatus pin = stats.pin();
                assertTrue(stats.pin().pinnedBytes() > 0, "a test of locked bytes must lock some: " + pin);
                assertEquals(stats.pin().pinnedBytes(), space.lockedBytes(), "VmLck: " + pin);
                assertEquals(stats.pin().pinnedBytes(), PinningSteps.lockedVmaBytes(space, stats), "locked VMAs: " + pin);
                assertEquals(PinningSteps.heldBytes(arena, SEGMENT_BYTES), pin.pinnedBytes() + pin.unpinnedBytes(),
                    pin::toString);
                assertTrue(pin.pinnedBytes() <= memlockSegments * SEGMENT_BYTES, pin::toString);
            }
        }
    }

    /** Runs {@code step} {@link #STEPS} times, then counts down and idles until stopped. */
    private static Consumer<SplittableRandom> steps(final CountDownLatch done, final Consumer<SplittableRandom> step) {
        final int[] count = new int[1];
        return random -> {
            if (count[0] < STEPS) {
                step.accept(random);
                if (++count[0] == STEPS) {
                    done.countDown();
                }
            } else {
                Thread.onSpinWait();
            }
        };
    }

    private void churn(final Arena arena, final SimulatedAddressSpace space, final SplittableRandom random) {
        LiveBlocks blocks = own.get();
        if (blocks == null) {
            blocks = new LiveBlocks(space);
            own.set(blocks);
            allBlocks.add(blocks);
        }
        if (blocks.size() > 16 || blocks.size() > 0 && random.nextInt(3) == 0) {
            arena.free(blocks.remove(random.nextInt(blocks.size())).handle);
            return;
        }
        if (blocks.size() > 0 && random.nextInt(3) == 0) {
            final LiveBlocks.Block block = blocks.blocks().get(random.nextInt(blocks.size()));
            try {
                block.handle = arena.reallocate(block.handle, block.lengthBytes + SEGMENT_BYTES);
            } catch (final ArenaFullException full) {
                return;
            }
            try (ReadSection section = arena.read()) {
                blocks.check(arena.address(block.handle), block.seed, block.lengthBytes, "a reallocated block");
            }
            return;
        }
        final long lengthBytes = random.nextInt(4) == 0 ? SEGMENT_BYTES + random.nextLong(2 * SEGMENT_BYTES)
            : 1 + random.nextLong(SEGMENT_BYTES / 4);
        final long handle;
        try {
            handle = arena.allocate(lengthBytes);
        } catch (final ArenaFullException full) {
            return;
        }
        final LiveBlocks.Block block = blocks.add(handle, lengthBytes, random.nextLong());
        try (ReadSection section = arena.read()) {
            blocks.write(arena.address(block.handle), block, 0);
        }
    }
}
