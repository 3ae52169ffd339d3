package io.vmarena;

import io.vmarena.support.CapturedLog;
import io.vmarena.vm.LockBudget;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The policy's scheduling attacked, driven by hand (a scheduler that keeps the task and runs it
 * when the test says): a round that throws, a scheduler shut down under the policy or before it,
 * the policy's own thread ended by close; and the registry's promises on real arenas: confined
 * ones refused, arenas held weakly, the activity counters.
 */
class PinningPolicyAttackTest {
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
            if (isShutdown()) {
                return super.scheduleWithFixedDelay(command, initialDelay, delay, unit); // refuses
            }
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

    private Arena.Builder shared(final String name) {
        return Arena.builder().name(name).addressSpace(space).threading(Threading.SHARED).segmentBytes(SEGMENT_BYTES)
            .initialBytes(8 * SEGMENT_BYTES);
    }

    @Test
    void shouldLogAFailingRoundOnceAndKeepTheTaskRunning() {
        final List<String> log = FakePinnable.log();
        final FakePinnable fake = new FakePinnable("a", 4096, log);
        final RuntimeException broken = new IllegalStateException("VmLck unreadable");
        try (CapturedLog warnings = new CapturedLog("io.vmarena.PinningPolicy");
            PinningPolicy policy = PinningPolicy.builder().scheduler(scheduler).build()) {
            policy.register(fake, fake, 1, space, () -> {
                throw broken;
            });
            fake.touch(1, 0);
            scheduler.task.run(); // a scheduler thread would end the periodic task on what escapes
            scheduler.task.run();
            assertFalse(scheduler.future.isCancelled(), "the next period tries again");
            assertEquals(1, warnings.records.size(), "a failure that repeats is logged once");
            assertTrue(warnings.records.get(0).getMessage().startsWith("a pinning policy round failed (VmLck "
                + "unreadable)"), warnings.records.get(0)::getMessage);
            assertEquals(List.of(), log, "no arena was pinned or unpinned on a budget it could not read");
        }
    }

    @Test
    void shouldRefuseASchedulerAlreadyShutDown() {
        scheduler.shutdown();
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> PinningPolicy.builder().scheduler(scheduler).build());
        assertTrue(refused.getMessage().startsWith("the pinning policy's scheduler refused its task (is it shut down?)"),
            refused::getMessage);
    }

    @Test
    void shouldKeepWorkingByHandWhenItsSchedulerIsShutDownUnderIt() {
        final List<String> log = FakePinnable.log();
        final FakePinnable fake = new FakePinnable("a", 4096, log);
        try (PinningPolicy policy = PinningPolicy.builder().scheduler(scheduler).build()) {
            policy.register(fake, fake, 1, space, () -> new LockBudget(0, 1 << 20, 1 << 20, false));
            scheduler.shutdownNow(); // drops the task unrun
            fake.touch(1, 0);
            assertEquals(PinDecision.Outcome.PINNED, policy.decide().get(0).outcome());
        }
        assertFalse(scheduler.isTerminated() && !scheduler.isShutdown(), "the caller's scheduler is left alone");
    }

    @Test
    void shouldCancelItsTaskOnCloseAndLeaveTheCallersSchedulerRunning() {
        final PinningPolicy policy = PinningPolicy.builder().scheduler(scheduler).build();
        policy.close();
        assertTrue(scheduler.future.isCancelled());
        assertFalse(scheduler.isShutdown(), "a scheduler given is the caller's");
        scheduler.task.run(); // a period already under way when close came: nothing happens
    }

    @Test
    void shouldStopItsOwnThreadOnClose() throws Exception {
        final PinningPolicy policy = PinningPolicy.builder().build();
        final Thread pinner = policy.scheduler().submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
        assertEquals("vmarena-pinner", pinner.getName());
        assertTrue(pinner.isDaemon(), "never holds the JVM up");
        policy.close();
        pinner.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(pinner.isAlive(), "close ended the policy's own thread");
    }

    @Test
    void shouldEndTheRoundsOfAPolicyDroppedWithoutClose() throws InterruptedException {
        final java.lang.ref.WeakReference<PinningPolicy> dropped =
            new java.lang.ref.WeakReference<>(PinningPolicy.builder().scheduler(scheduler).build());
        for (int attempt = 0; attempt < 100 && dropped.get() != null; attempt++) {
            System.gc();
            Thread.sleep(10); // gives the collector a turn; the assertion below decides, not the time
        }
        assertEquals(null, dropped.get(), "the task held the policy weakly");
        scheduler.task.run(); // the next period finds it gone
        assertTrue(scheduler.future.isCancelled(), "its rounds ended");
        assertFalse(scheduler.isShutdown(), "a scheduler given is the caller's");
    }

    @Test
    void shouldRefuseAConfinedArenaSayingWhatToDoInstead() {
        try (PinningPolicy policy = PinningPolicy.builder().manual().build();
            Arena confined = Arena.builder().name("mine").addressSpace(space).segmentBytes(SEGMENT_BYTES).build()) {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> policy.register(confined, 1));
            assertEquals("arena 'mine' is confined to one thread, and the policy pins and unpins from its own: build it "
                + "with threading(Threading.SHARED), or pin it from its owner thread with arena.pin()",
                refused.getMessage());
        }
    }

    @Test
    void shouldRefuseCallsFromInsideASectionOfAnArena() {
        try (PinningPolicy policy = PinningPolicy.builder().manual().build();
            Arena arena = shared("sectioned").build();
            Arena other = shared("other").build()) {
            policy.register(other, 1);
            try (ReadSection section = arena.read()) {
                final IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> policy.register(arena, 1));
                assertTrue(refused.getMessage().startsWith("a pinning policy's register() or decide() from inside a "
                    + "read section of arena 'sectioned'"), () -> "inside " + section + ": " + refused.getMessage());
            }
            policy.register(arena, 2);
            try (ReadSection section = arena.read()) {
                // A round under way may wait for the arena's lock, which a mover holds while it
                // waits for this section: refused at once instead (PinningPolicyRegressionTest).
                for (final Runnable call : List.<Runnable>of(policy::decide, () -> policy.unregister(other),
                    () -> policy.register(other, 3))) {
                    final IllegalStateException refused = assertThrows(IllegalStateException.class, call::run);
                    assertTrue(refused.getMessage().contains("from inside a read section of arena 'sectioned'"),
                        refused.getMessage());
                }
            }
            assertEquals(PinDecision.Outcome.PINNED, policy.decide().get(0).outcome(), "outside, the next round works");
            arena.unpin();
            other.unpin();
        }
    }

    @Test
    void shouldRefuseArenasOfTwoAddressSpaces() {
        try (SimulatedAddressSpace other = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            try (PinningPolicy policy = PinningPolicy.builder().manual().build();
                Arena here = shared("here").build();
                Arena there = Arena.builder().name("there").addressSpace(other).threading(Threading.SHARED)
                    .segmentBytes(SEGMENT_BYTES).build()) {
                policy.register(here, 1);
                final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> policy.register(there, 1));
                assertTrue(refused.getMessage().startsWith("arena 'there' lives in another address space"),
                    refused::getMessage);
            }
        }
    }

    @Test
    void shouldCountSegmentClaimsAndReadSectionsAcrossMoves() {
        try (Arena arena = shared("counted").inPlaceGrowth(false).build()) {
            final Pinnable.Figures before = arena.pinFigures();
            final long handle = arena.allocate(3 * SEGMENT_BYTES); // one run of 3 segments
            for (int index = 0; index < 5; index++) {
                try (ReadSection section = arena.read()) {
                    assertTrue(arena.address(handle) != 0, "inside " + section);
                }
            }
            arena.allocate(16 * SEGMENT_BYTES); // grows by moving: the gate closes and its phase flips
            try (ReadSection section = arena.read()) {
                assertTrue(arena.address(handle) != 0, "inside " + section);
            }
            final Pinnable.Figures after = arena.pinFigures();
            assertEquals(3 + 16, after.segmentClaims() - before.segmentClaims());
            assertEquals(6, after.readSections() - before.readSections(), "sections before and after the move's flip");
            assertTrue(arena.stats().moves() > 0, "the arena moved");
            assertEquals(19 * SEGMENT_BYTES, after.heldBytes(), "segments in use");
        }
    }

    @Test
    void shouldHoldArenasWeaklyAndDropACollectedOne() throws InterruptedException {
        final ArenaLifecycleContract.LeakLog leaks = new ArenaLifecycleContract.LeakLog(1);
        final ArenaLeaks previous = ArenaLeaks.install(new ArenaLeaks(leaks, false));
        try (PinningPolicy policy = PinningPolicy.builder().manual().build()) {
            registerAndDrop(policy);
            for (int attempt = 0; attempt < 100 && leaks.pending.getCount() > 0; attempt++) {
                System.gc();
                leaks.pending.await(100, TimeUnit.MILLISECONDS);
            }
            assertEquals(0, leaks.pending.getCount(), "the cleaner released the dropped arena: the policy held it weakly");
            final List<PinDecision> decisions = policy.decide();
            assertEquals(1, decisions.size());
            assertEquals(PinDecision.Outcome.CLOSED, decisions.get(0).outcome());
            assertEquals("dropped", decisions.get(0).arenaName());
            assertEquals(List.of(), policy.decide(), "it left the registry");
        } finally {
            ArenaLeaks.install(previous);
        }
    }

    private void registerAndDrop(final PinningPolicy policy) {
        final Arena arena = shared("dropped").build();
        arena.allocate(64);
        policy.register(arena, 1);
    }
}
