package io.vmarena;

import io.vmarena.vm.ForwardingAddressSpace;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A background slice reads no memory figures: nobody reads its result, and the figures (a VMA
 * query and mincore over the arena's whole range, before and after) cost more than a slice's
 * work, under the arena's lock. In cache-churn they held the policy to about 20 slices a second
 * at a 10 ms period, and the 3 s settle ended with 240 class segments instead of 73.
 */
class BackgroundSliceFiguresTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private final SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
    private final ManualScheduler scheduler = new ManualScheduler();

    /** Counts mincore-like reads of resident bytes. */
    private static final class CountingSpace extends ForwardingAddressSpace {
        int residentReads;

        CountingSpace(final SimulatedAddressSpace delegate) {
            super(delegate);
        }

        @Override
        public long residentBytes(final long fromAddress, final long toAddress) {
            residentReads++;
            return super.residentBytes(fromAddress, toAddress);
        }
    }

    /** Keeps the periodic task instead of running it, so the test runs each period. */
    private static final class ManualScheduler extends ScheduledThreadPoolExecutor {
        Runnable task;

        ManualScheduler() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(final Runnable command, final long initialDelay,
            final long delay, final TimeUnit unit) {
            task = command;
            return super.schedule(() -> { }, 365, TimeUnit.DAYS);
        }
    }

    @AfterEach
    void release() {
        scheduler.shutdownNow();
        simulator.close();
    }

    @Test
    void shouldRunBackgroundSlicesWithoutReadingTheMemoryFigures() {
        final CountingSpace space = new CountingSpace(simulator);
        try (Arena arena = Arena.builder().name("figures").addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(16 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES)
            .compactionPauseBudget(Duration.ofNanos(1)) // one thing per slice: work remains after the first
            .compactionPolicy(CompactionPolicy.builder().scheduler(scheduler).fragmentationAbove(0.1).build())
            .build()) {
            final int slots = (int)(SEGMENT_BYTES / 64);
            final long[] handles = new long[4 * slots];
            for (int index = 0; index < handles.length; index++) {
                handles[index] = arena.allocate(64);
            }
            for (int index = 0; index < 3 * slots; index++) {
                if (index % 50 != 0) {
                    arena.free(handles[index]); // three sparse segments below the current one
                }
            }
            final long slicesBefore = arena.stats().compactions();
            space.residentReads = 0;
            scheduler.task.run();
            final int residentReads = space.residentReads;
            assertEquals(slicesBefore + 1, arena.stats().compactions(), "the period ran a slice");
            assertEquals(0, residentReads, "resident bytes read by a background slice that left work");
            assertTrue(arena.stats().classSegments() < 4, "it evacuated");
        }
    }
}
