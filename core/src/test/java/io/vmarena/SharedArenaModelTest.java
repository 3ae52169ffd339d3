package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model-based random test of a shared arena: several threads, each with its own seeded
 * operations (allocate, free, reallocate, rewrite, trim, stats, nested sections closed out of
 * order, growth that moves) on its own blocks, plus a set of blocks all threads share, guarded
 * by the test. Every byte of every block a thread holds is checked against its model after every
 * step, inside a read section; the shared set is checked after every change to it. On the
 * simulator a move poisons what it leaves, so a reader that saw memory move fails a check.
 *
 * <p>The seed is printed on failure; {@code -Dvmarena.model.seed=N} runs one again (the threads
 * interleave differently, but each thread's operations are the same). Bounded to 3,000 steps
 * per thread and 1.5 s ({@code -Dvmarena.model.steps=N -Dvmarena.model.millis=N} for longer).
 *
 * <p>Lock order, so the test cannot deadlock the arena: a thread takes the test's guard only
 * outside a read section, and a thread inside a section never waits for anything but the arena's
 * own calls that a section allows.
 */
@SuppressWarnings("try") // sections are held for their effect
class SharedArenaModelTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final int THREADS = 3;
    private static final int MAX_OWN_BLOCKS = 20;
    private static final int MAX_SHARED_BLOCKS = 12;
    /** Steps per thread at most: {@code -Dvmarena.model.steps=N} for more. */
    private static final int MAX_STEPS = Integer.getInteger("vmarena.model.steps", 3_000);

    private final SplittableRandom seeds = new SplittableRandom();
    private final ReentrantLock guard = new ReentrantLock();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private LiveBlocks shared;

    @Test
    void shouldKeepEveryByteOfEveryBlockWhileThreadsChangeTheArena() throws Exception {
        final long seed = Long.getLong("vmarena.model.seed", seeds.nextLong());
        try {
            run(seed);
        } catch (final Throwable thrown) {
            throw new AssertionError("shared-arena model failed with seed " + seed + " (run it again with "
                + "-Dvmarena.model.seed=" + seed + ")", thrown);
        }
    }

    private void run(final long seed) throws Exception {
        final long millis = Long.getLong("vmarena.model.millis", 1_500);
        final boolean inPlaceGrowth = new SplittableRandom(seed).nextBoolean();
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            try (Arena arena = Arena.builder().name("model").addressSpace(space).threading(Threading.SHARED)
                .segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES).maximumBytes(1024 * SEGMENT_BYTES)
                .inPlaceGrowth(inPlaceGrowth).build()) {
                shared = new LiveBlocks(space);
                final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
                final List<Worker> workers = new ArrayList<>();
                final List<Thread> threads = new ArrayList<>();
                for (int index = 0; index < THREADS; index++) {
                    final Worker worker = new Worker(arena, new LiveBlocks(space), seed + 0x9E3779B97F4A7C15L * index,
                        deadline);
                    workers.add(worker);
                    final Thread thread = new Thread(worker, "model-" + index);
                    thread.setDaemon(true); // a hang shows as a failure below, not as a hung build
                    threads.add(thread);
                }
                threads.forEach(Thread::start);
                for (final Thread thread : threads) {
                    thread.join(TimeUnit.SECONDS.toMillis(60));
                    assertFalse(thread.isAlive(), () -> thread.getName() + " still runs after 60 s: a hang. "
                        + "Stack: " + java.util.Arrays.toString(thread.getStackTrace()));
                }
                if (failure.get() != null) {
                    throw new AssertionError("a thread failed", failure.get());
                }
                checkEverything(arena, space, workers);
                int steps = 0;
                for (final Worker worker : workers) {
                    steps += worker.steps;
                }
                assertTrue(steps >= THREADS, "every thread took a step");
                final ArenaStats stats = arena.stats();
                System.out.printf("shared-arena model, seed %d: %d steps in %d threads, %d grows, %d moves%n", seed,
                    steps, THREADS, stats.grows(), stats.moves());
            }
        }
    }

    /** With every thread done: each block still holds its bytes, none overlaps another, and stats count them all. */
    private void checkEverything(final Arena arena, final SimulatedAddressSpace space, final List<Worker> workers) {
        final LiveBlocks all = new LiveBlocks(space);
        for (final Worker worker : workers) {
            for (final LiveBlocks.Block block : worker.own.blocks()) {
                all.add(block.handle, block.lengthBytes, block.seed);
            }
        }
        for (final LiveBlocks.Block block : shared.blocks()) {
            all.add(block.handle, block.lengthBytes, block.seed);
        }
        long capacities = 0;
        try (ReadSection section = arena.read()) {
            all.checkAll(arena::address, arena::capacity, "at the end, every thread's blocks together");
            for (final LiveBlocks.Block block : all.blocks()) {
                capacities += arena.capacity(block.handle);
            }
        }
        assertEquals(capacities, arena.stats().usedBytes(), "used bytes are the live blocks' capacities");
        all.blocks().sort(Comparator.comparingLong(block -> block.handle));
        for (final LiveBlocks.Block block : all.blocks()) {
            arena.free(block.handle);
        }
        assertEquals(0, arena.stats().usedBytes(), "every block freed");
    }

    /** One thread's seeded operations. */
    private final class Worker implements Runnable {
        private final Arena arena;
        private final LiveBlocks own;
        private final SplittableRandom random;
        private final long deadline;
        private int steps;

        Worker(final Arena arena, final LiveBlocks own, final long seed, final long deadline) {
            this.arena = arena;
            this.own = own;
            this.random = new SplittableRandom(seed);
            this.deadline = deadline;
        }

        @Override
        public void run() {
            String done = "nothing yet";
            try {
                while (steps < MAX_STEPS && System.nanoTime() < deadline && failure.get() == null) {
                    done = step(random.nextInt(100));
                    try (ReadSection section = arena.read()) {
                        own.checkAll(arena::address, arena::capacity, "step " + steps + " (" + done + ")");
                    }
                    steps++;
                }
            } catch (final Throwable thrown) {
                thrown.addSuppressed(new AssertionError(Thread.currentThread().getName() + " at step " + steps
                    + ", last done: " + done));
                failure.compareAndSet(null, thrown);
            }
        }

        private String step(final int dice) {
            if (dice < 25) {
                return onShared(random.nextInt(100));
            }
            if (own.size() >= MAX_OWN_BLOCKS || dice < 38 && own.size() > 0) {
                arena.free(own.remove(random.nextInt(own.size())).handle);
                return "free";
            }
            if (dice < 48 && own.size() > 0) {
                return reallocate(own, own.blocks().get(random.nextInt(own.size())));
            }
            if (dice < 56 && own.size() > 0) {
                final LiveBlocks.Block block = own.blocks().get(random.nextInt(own.size()));
                block.seed = random.nextLong();
                try (ReadSection section = arena.read()) {
                    own.write(arena.address(block.handle), block, 0);
                }
                return "rewrite";
            }
            if (dice < 60) {
                return growByMoving();
            }
            if (dice < 64) {
                return "trim " + arena.trim(random.nextLong(8 * SEGMENT_BYTES));
            }
            if (dice < 70) {
                return nestedOutOfOrder();
            }
            if (dice < 73) {
                return refusedInside();
            }
            return allocate(own, randomLength());
        }

        /** A change to the set every thread shares, under the test's guard (taken outside any section). */
        private String onShared(final int dice) {
            guard.lock();
            try {
                final String done;
                if (shared.size() >= MAX_SHARED_BLOCKS || dice < 30 && shared.size() > 0) {
                    arena.free(shared.remove(random.nextInt(shared.size())).handle);
                    done = "free a shared block";
                } else if (dice < 55 && shared.size() > 0) {
                    done = reallocate(shared, shared.blocks().get(random.nextInt(shared.size()))) + " (shared)";
                } else if (dice < 70 && shared.size() > 0) {
                    final LiveBlocks.Block block = shared.blocks().get(random.nextInt(shared.size()));
                    block.seed = random.nextLong();
                    try (ReadSection section = arena.read()) {
                        shared.write(arena.address(block.handle), block, 0);
                    }
                    done = "rewrite a shared block";
                } else {
                    done = allocate(shared, randomLength()) + " (shared)";
                }
                try (ReadSection section = arena.read()) {
                    shared.checkAll(arena::address, arena::capacity, "shared blocks after " + done);
                }
                return done;
            } finally {
                guard.unlock();
            }
        }

        private String allocate(final LiveBlocks blocks, final long lengthBytes) {
            final LiveBlocks.Block block = blocks.add(arena.allocate(lengthBytes), lengthBytes, random.nextLong());
            try (ReadSection section = arena.read()) {
                blocks.write(arena.address(block.handle), block, 0);
            }
            return "allocate " + lengthBytes;
        }

        private String reallocate(final LiveBlocks blocks, final LiveBlocks.Block block) {
            final long oldLength = block.lengthBytes;
            final long newLength = randomLength();
            block.handle = arena.reallocate(block.handle, newLength);
            block.lengthBytes = newLength;
            try (ReadSection section = arena.read()) {
                final long address = arena.address(block.handle);
                blocks.check(address, block.seed, Math.min(oldLength, newLength), "the bytes reallocate kept");
                blocks.write(address, block, Math.min(oldLength, newLength));
            }
            return "reallocate " + oldLength + " to " + newLength;
        }

        /** A block larger than the free segments: the arena grows (by moving, without in-place growth); freed at once. */
        private String growByMoving() {
            final ArenaStats stats = arena.stats();
            if (stats.reservedBytes() > 128 * SEGMENT_BYTES) {
                return "no growth: reserved " + stats.reservedBytes();
            }
            final long lengthBytes = (stats.freeSegments() + 1) * SEGMENT_BYTES;
            final LiveBlocks.Block block = own.add(arena.allocate(lengthBytes), lengthBytes, random.nextLong());
            try (ReadSection section = arena.read()) {
                final long address = arena.address(block.handle);
                own.write(address, block, 0);
                own.check(address, block.seed, lengthBytes, "a block that grew the arena");
            }
            arena.free(own.remove(own.size() - 1).handle);
            return "grow by " + lengthBytes;
        }

        /** Sections nested three deep, closed outer first: stats and reads inside; allocate refused until the last closes. */
        private String nestedOutOfOrder() {
            final ReadSection outer = arena.read();
            final ReadSection middle = arena.read();
            final ReadSection inner = arena.read();
            try {
                outer.close();
                final ArenaStats stats = arena.stats(); // allowed inside, never waits for a move waiting for us
                assertTrue(stats.usedBytes() >= 0);
                middle.close();
                own.checkAll(arena::address, arena::capacity, "inside the inner section, outer ones closed");
                assertThrows(IllegalStateException.class, () -> arena.allocate(16), "still inside the inner section");
            } finally {
                outer.close();
                middle.close();
                inner.close();
            }
            return "nested sections closed out of order";
        }

        /** Every call that may move memory is refused inside a section, and changes nothing. */
        private String refusedInside() {
            final long handle = own.size() > 0 ? own.blocks().get(0).handle : 0;
            try (ReadSection section = arena.read()) {
                assertThrows(IllegalStateException.class, () -> arena.allocate(16));
                assertThrows(IllegalStateException.class, () -> arena.trim(1));
                assertThrows(IllegalStateException.class, arena::close);
                if (handle != 0) {
                    assertThrows(IllegalStateException.class, () -> arena.free(handle));
                    assertThrows(IllegalStateException.class, () -> arena.reallocate(handle, 32));
                }
            }
            return "calls refused inside a section";
        }

        private long randomLength() {
            final int kind = random.nextInt(100);
            if (kind < 60) {
                return 1 + random.nextInt(256);
            }
            if (kind < 85) {
                return 257 + random.nextLong(SEGMENT_BYTES / 4 - 256);
            }
            return SEGMENT_BYTES / 4 + 1 + random.nextLong(3 * SEGMENT_BYTES);
        }
    }
}
