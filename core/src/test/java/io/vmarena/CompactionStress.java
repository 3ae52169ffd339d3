package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.AddressSpace;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers check every byte of long-lived blocks (small and large; the small ones in segments
 * sparse enough to be evacuated, so their handles end up forwarded) inside read sections while a
 * background {@link CompactionPolicy} runs slices on the test's own scheduler every millisecond
 * and a writer allocates, writes, reallocates, frees and compacts. A reader that ever sees memory
 * mid-move or a handle that stops resolving fails (on the simulator, whose moves poison what
 * they leave, by a checksum; on Linux, where the old range is gone, by crashing the JVM). Runs
 * {@code vmarena.stress.seconds} seconds (default 1), and at least until the background task
 * has run {@link #BACKGROUND_RUNS} times.
 */
public final class CompactionStress {
    private static final int STABLE_BLOCKS = 64;
    private static final int READERS = 2;
    private static final int BACKGROUND_RUNS = 20;

    private final AddressSpace space;
    private final long segmentBytes;
    private final AtomicLong verifiedBlocks = new AtomicLong();
    private final AtomicLong writerSteps = new AtomicLong();

    public CompactionStress(final AddressSpace space) {
        this.space = space;
        this.segmentBytes = Math.max(64L << 10, 4 * space.pageSize());
    }

    /** Runs the threads for the configured time; throws the first failure any of them met. */
    public void run() throws InterruptedException {
        final long millis = (long)(1000 * Double.parseDouble(System.getProperty("vmarena.stress.seconds", "1")));
        final CountDownLatch backgroundRuns = new CountDownLatch(BACKGROUND_RUNS);
        final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1) {
            @Override
            protected void afterExecute(final Runnable task, final Throwable thrown) {
                backgroundRuns.countDown();
            }
        };
        final CompactionPolicy policy = CompactionPolicy.builder().scheduler(scheduler).period(Duration.ofMillis(1))
            .fragmentationAbove(0).reservedToLiveAbove(1).vmaShareAbove(0).build();
        try (Arena arena = Arena.builder().name("compaction-stress").addressSpace(space)
            .threading(Threading.SHARED).segmentBytes(segmentBytes).initialBytes(4 * segmentBytes)
            .maximumBytes(1024 * segmentBytes).retainedBytes(segmentBytes).compactionPolicy(policy).build()) {
            final List<LiveBlocks.Block> stable = stableBlocks(arena);
            final StressThreads threads = new StressThreads();
            for (int reader = 0; reader < READERS; reader++) {
                threads.add("reader-" + reader, reader, random -> read(arena, stable, random));
            }
            final LiveBlocks own = new LiveBlocks(space);
            threads.add("writer", 100, random -> write(arena, own, random));
            threads.start();
            final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (System.nanoTime() < end && !threads.failed()) {
                Thread.sleep(Math.min(50, millis)); // the run's length, not a synchronization
            }
            // The policy's task ran, whatever the machine's speed (the bound only keeps a stopped policy from hanging).
            assertTrue(backgroundRuns.await(2, TimeUnit.MINUTES), "the background policy ran " + BACKGROUND_RUNS
                + " times");
            threads.stopAndJoin();
            final ArenaStats stats = arena.stats();
            assertTrue(stats.compactions() > 0, () -> "compaction slices ran: " + stats);
            assertTrue(verifiedBlocks.get() > 0, "the readers checked blocks");
            final LiveBlocks checker = new LiveBlocks(space);
            // Inside one section: the policy's task may still run a slice, and addresses taken
            // outside a section of a shared arena may go stale at once (checkAll compares them).
            try (ReadSection section = arena.read()) {
                for (final LiveBlocks.Block block : stable) {
                    checker.check(arena.address(block.handle), block.seed, block.lengthBytes,
                        "a stable block at the end");
                }
                own.checkAll(arena::address, arena::capacity, "the writer's blocks at the end");
            }
            System.out.printf("compaction stress on %s: %.1f s, %d blocks checked by readers, %d writer steps, "
                + "%d slices, %d moves%n", space.capabilities().backend(), millis / 1000.0, verifiedBlocks.get(),
                writerSteps.get(), stats.compactions(), stats.moves());
        } finally {
            scheduler.shutdownNow();
        }
    }

    /**
     * Small blocks of three classes, nine in ten freed again so their segments are sparse, and
     * a few large ones with free segments between them: both evacuation and slides have work.
     */
    private List<LiveBlocks.Block> stableBlocks(final Arena arena) {
        final LiveBlocks blocks = new LiveBlocks(space);
        final SplittableRandom random = new SplittableRandom(1);
        final List<Long> filler = new ArrayList<>();
        for (int index = 0; index < STABLE_BLOCKS * 10; index++) {
            final boolean large = index % 80 == 0;
            final long lengthBytes = large ? segmentBytes + random.nextLong(segmentBytes)
                : new long[] {48, 200, 1000}[index % 3];
            final long handle = arena.allocate(lengthBytes);
            if (index % 10 == 0) {
                final LiveBlocks.Block block = blocks.add(handle, lengthBytes, random.nextLong());
                try (ReadSection section = arena.read()) {
                    blocks.write(arena.address(handle), block, 0);
                }
            } else {
                filler.add(handle);
            }
        }
        filler.forEach(arena::free);
        return List.copyOf(blocks.blocks());
    }

    private void read(final Arena arena, final List<LiveBlocks.Block> stable, final SplittableRandom random) {
        final LiveBlocks checker = new LiveBlocks(space);
        final LiveBlocks.Block block = stable.get(random.nextInt(stable.size()));
        try (ReadSection section = arena.read()) {
            checker.check(arena.address(block.handle), block.seed, block.lengthBytes, "a stable block");
        }
        verifiedBlocks.incrementAndGet();
    }

    private void write(final Arena arena, final LiveBlocks own, final SplittableRandom random) {
        writerSteps.incrementAndGet();
        final int choice = random.nextInt(100);
        if (choice < 3) {
            arena.compactSlice(Duration.ofMillis(1));
            return;
        }
        if (choice < 4) {
            arena.compact();
            return;
        }
        if (own.size() > 200 || own.size() > 0 && choice < 45) {
            arena.free(own.remove(random.nextInt(own.size())).handle);
            return;
        }
        if (own.size() > 0 && choice < 55) {
            final LiveBlocks.Block block = own.blocks().get(random.nextInt(own.size()));
            final long lengthBytes = random.nextBoolean() ? 1 + random.nextInt(1024) : segmentBytes * 2;
            final long kept = Math.min(lengthBytes, block.lengthBytes);
            block.handle = arena.reallocate(block.handle, lengthBytes);
            block.lengthBytes = lengthBytes;
            try (ReadSection section = arena.read()) {
                own.check(arena.address(block.handle), block.seed, kept, "a reallocated block");
                own.write(arena.address(block.handle), block, kept);
            }
            return;
        }
        final long lengthBytes = random.nextInt(10) == 0 ? segmentBytes + random.nextLong(segmentBytes)
            : new long[] {48, 200, 1000}[random.nextInt(3)];
        final LiveBlocks.Block block = own.add(arena.allocate(lengthBytes), lengthBytes, random.nextLong());
        try (ReadSection section = arena.read()) {
            own.write(arena.address(block.handle), block, 0);
        }
    }
}
