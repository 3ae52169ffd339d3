package io.vmarena;

import io.vmarena.support.CapturedLog;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The background policy driven by hand: a scheduler that keeps the arena's task and runs it when
 * the test says, so that each period is a call and nothing depends on timing. Attacks: a close
 * while a background slice is in its listener, a listener that throws an Error on the
 * background thread, and the scheduler shut down under a live arena.
 */
class BackgroundCompactionAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private final SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
    private final ManualScheduler scheduler = new ManualScheduler();

    /** Keeps the periodic task instead of running it; its future is a real, cancellable one. */
    private static final class ManualScheduler extends ScheduledThreadPoolExecutor {
        Runnable task;
        ScheduledFuture<?> future;

        ManualScheduler() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(final Runnable command, final long initialDelay,
            final long delay, final TimeUnit unit) {
            task = command;
            future = super.schedule(() -> { }, 365, TimeUnit.DAYS);
            return future;
        }
    }

    @AfterEach
    void release() {
        scheduler.shutdownNow();
        space.close();
    }

    private Arena.Builder arena(final RelocationListener listener) {
        return Arena.builder().name("background").addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(16 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES)
            .compactionPauseBudget(Duration.ofSeconds(60)).relocationListener(listener)
            .compactionPolicy(CompactionPolicy.builder().scheduler(scheduler).fragmentationAbove(0.1).build());
    }

    /**
     * Two segments of 64-byte blocks: the first sparse, evacuated into the second (current, its
     * lower half full: the evacuees fill the upper half from the bottom, and packing has nothing to do).
     */
    private static void sparse(final Arena arena, final LiveBlocks blocks) {
        final int slots = (int)(SEGMENT_BYTES / 64);
        final long[] handles = new long[2 * slots];
        for (int index = 0; index < handles.length; index++) {
            handles[index] = arena.allocate(64);
        }
        for (int index = 0; index < handles.length; index++) {
            if (index < slots ? index % 50 == 0 : index < slots + slots / 2) {
                blocks.write(arena.address(handles[index]), blocks.add(handles[index], 64, index), 0);
            } else {
                arena.free(handles[index]);
            }
        }
    }

    @Test
    void shouldLetCloseWaitForABackgroundSliceInItsListenerAndEndTheTask() throws Exception {
        final CountDownLatch inListener = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);
        final LiveBlocks blocks = new LiveBlocks(space);
        try (CapturedLog warnings = new CapturedLog("io.vmarena.Arena")) {
            final Arena arena = arena((oldHandle, newHandle) -> {
                inListener.countDown();
                try {
                    assertTrue(letGo.await(10, TimeUnit.SECONDS), "let go");
                } catch (final InterruptedException interrupted) {
                    throw new IllegalStateException(interrupted);
                }
            }).build();
            sparse(arena, blocks);
            final CompletableFuture<Void> slice = CompletableFuture.runAsync(scheduler.task);
            assertTrue(inListener.await(10, TimeUnit.SECONDS), "the background slice reached the listener");
            final CompletableFuture<Void> close = CompletableFuture.runAsync(arena::close);
            assertFalse(close.isDone(), "close waits for the slice (the lock)");
            letGo.countDown();
            slice.get(10, TimeUnit.SECONDS);
            close.get(10, TimeUnit.SECONDS);
            assertFalse(arena.isOpen());
            scheduler.task.run(); // the next period: the task ends quietly
            assertTrue(scheduler.future.isCancelled(), "the task ended with the arena");
            assertEquals(List.of(), warnings.records, "nothing reported");
        }
    }

    @Test
    void shouldReportAndStopWhenTheListenerThrowsAnErrorOnTheBackgroundThread() {
        final LiveBlocks blocks = new LiveBlocks(space);
        try (CapturedLog warnings = new CapturedLog("io.vmarena.Arena"); Arena arena = arena((oldHandle, newHandle) -> {
            throw new AssertionError("the caller's index is broken");
        }).build()) {
            sparse(arena, blocks);
            try {
                scheduler.task.run(); // a scheduler thread would swallow what escapes: the policy would stop silently
            } catch (final Throwable escaped) {
                throw new AssertionError("the background task let the listener's error escape", escaped);
            }
            assertTrue(scheduler.future.isCancelled(), "the policy stops for the arena");
            assertEquals(1, warnings.records.size(), "reported once");
            assertTrue(warnings.records.get(0).getMessage().contains("background compaction of arena 'background'"),
                warnings.records.get(0)::getMessage);
            blocks.checkAll(arena::address, arena::capacity, "both handles of the block the listener threw at");
            assertTrue(arena.compact().evacuatedSegments() >= 0); // and usable
        }
    }

    @Test
    void shouldCloseAnArenaWhosePolicysSchedulerWasShutDown() {
        final LiveBlocks blocks = new LiveBlocks(space);
        final Arena arena = arena((oldHandle, newHandle) -> { }).build();
        sparse(arena, blocks);
        scheduler.shutdownNow(); // drops the task unrun: it never runs again
        blocks.checkAll(arena::address, arena::capacity, "the arena works without its policy");
        arena.close();
        assertFalse(arena.isOpen());
    }

    /** Builds an arena with the policy, lets one background slice run, and drops it: returns {base, reserved}. */
    private long[] buildCompactAndDrop() {
        final Arena arena = arena((oldHandle, newHandle) -> { }).build();
        sparse(arena, new LiveBlocks(space));
        final long compactions = arena.stats().compactions();
        scheduler.task.run();
        assertTrue(arena.stats().compactions() > compactions, "a background slice ran");
        return new long[] {arena.baseAddress(), arena.stats().reservedBytes()};
    }

    @Test
    void shouldCleanADroppedArenaWhosePolicyRunsAndEndTheTask() throws InterruptedException {
        final ArenaLifecycleContract.LeakLog log = new ArenaLifecycleContract.LeakLog(1);
        final ArenaLeaks previous = ArenaLeaks.install(new ArenaLeaks(log, false));
        try {
            final long[] range = buildCompactAndDrop();
            for (int attempt = 0; attempt < 100 && log.pending.getCount() > 0; attempt++) {
                System.gc();
                log.pending.await(100, TimeUnit.MILLISECONDS);
            }
            assertEquals(0, log.pending.getCount(), "the cleaner released the dropped arena: the task held it weakly");
            assertEquals(List.of(), space.mappings(range[0], range[0] + range[1],
                io.vmarena.vm.MappingSource.AUTO), "its range is unmapped");
            scheduler.task.run(); // the next period finds the arena gone
            assertTrue(scheduler.future.isCancelled(), "the task ended");
        } finally {
            ArenaLeaks.install(previous);
        }
    }

    /**
     * Retained free segments are kept for reuse on purpose: a policy whose thresholds are passed
     * but which has nothing else to do leaves them (it once decommitted them every period, undoing
     * retainedBytes); an explicit compact() still gives them back.
     */
    @Test
    void shouldLeaveRetainedSegmentsToTheCeilingWhenNothingElseIsToBeDone() {
        try (Arena arena = Arena.builder().name("retaining").addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(16 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES)
            .retainedBytes(4 * SEGMENT_BYTES).compactionPauseBudget(Duration.ofSeconds(60))
            .compactionPolicy(CompactionPolicy.builder().scheduler(scheduler).fragmentationAbove(0).build()).build()) {
            arena.allocate(100); // a small block leaves its class segment fragmented: the threshold is passed
            final long[] runs = new long[8];
            for (int index = 0; index < runs.length; index++) {
                runs[index] = arena.allocate(SEGMENT_BYTES);
            }
            for (int index = runs.length - 2; index < runs.length; index++) {
                arena.free(runs[index]); // the top two: nothing slides, both retained
            }
            final ArenaStats before = arena.stats();
            assertEquals(2 * SEGMENT_BYTES, before.retainedBytes(), before::toString);

            scheduler.task.run();

            final ArenaStats after = arena.stats();
            assertEquals(before.compactions(), after.compactions(), "no slice: only retained segments to give back");
            assertEquals(2 * SEGMENT_BYTES, after.retainedBytes(), after::toString);
            arena.compact();
            assertEquals(0, arena.stats().retainedBytes(), "compact() gives them back");
        }
    }
}
