package io.vmarena;

import io.vmarena.support.CapturedLog;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Defects a review of the pinning policy found, each proven by a test that failed first: a pin
 * left behind by unregister(), a deadlock through a read section, a limit reported as a kernel
 * refusal, and a refusal logged every period.
 */
class PinningPolicyRegressionTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    private static SimulatedAddressSpace space(final long segments) {
        return new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withMemlock(segments * SEGMENT_BYTES)
            .withIpcLock(false));
    }

    private static Arena.Builder shared(final SimulatedAddressSpace space, final String name) {
        return Arena.builder().name(name).addressSpace(space).threading(Threading.SHARED).segmentBytes(SEGMENT_BYTES)
            .initialBytes(4 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES).retainedBytes(0);
    }

    /** An arena pinned while it held nothing stayed pinned (and locked its growth) after unregister(). */
    @Test
    void shouldUnpinOnUnregisterAnArenaPinnedWhileItHeldNothing() {
        try (SimulatedAddressSpace space = space(32);
            PinningPolicy policy = PinningPolicy.builder().manual().build();
            Arena arena = shared(space, "empty").build()) {
            policy.register(arena, 1);
            assertEquals(PinDecision.Outcome.PINNED, policy.decide().get(0).outcome());

            policy.unregister(arena);
            for (int index = 0; index < 8; index++) {
                arena.allocate(SEGMENT_BYTES);
            }

            assertEquals(PinState.UNPINNED, arena.stats().pin().state(), arena.stats().pin().reason());
            assertEquals(0, space.lockedBytes(), "taken from the policy: its growth is not locked");
        }
    }

    /**
     * decide() inside a read section, while a round on another thread waited for the arena's lock
     * and a mover held it waiting for the section: reader, round and mover waited for each other.
     * Now the call is refused at once, and all three finish.
     */
    @Test
    void shouldRefuseDecideInsideASectionInsteadOfDeadlocking() throws Exception {
        try (SimulatedAddressSpace space = space(64);
            PinningPolicy policy = PinningPolicy.builder().manual().build();
            Arena arena = shared(space, "a").inPlaceGrowth(false).build()) {
            policy.register(arena, 1);
            arena.allocate(5000);
            final CountDownLatch inSection = new CountDownLatch(1);
            final CountDownLatch go = new CountDownLatch(1);
            final AtomicReference<Throwable> readerSaw = new AtomicReference<>();
            final Thread reader = daemon("reader", () -> {
                try (ReadSection section = arena.read()) {
                    inSection.countDown();
                    go.await();
                    policy.decide();
                } catch (final Throwable refused) {
                    readerSaw.set(refused);
                }
            });
            reader.start();
            assertTrue(inSection.await(10, TimeUnit.SECONDS));
            final CountDownLatch moverWaits = MoverWaits.latch(arena);
            final Thread mover = daemon("mover", () -> arena.allocate(8 * SEGMENT_BYTES)); // moves: waits for the section
            mover.start();
            assertTrue(moverWaits.await(10, TimeUnit.SECONDS));
            final Thread round = daemon("round", policy::decide); // waits for the arena's lock, holding the round
            round.start();
            while (round.getState() != Thread.State.WAITING && round.isAlive()) {
                Thread.onSpinWait();
            }
            go.countDown();

            for (final Thread thread : List.of(reader, mover, round)) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(thread.isAlive(), thread.getName() + " is stuck: " + thread.getState());
            }
            assertEquals(IllegalStateException.class, readerSaw.get().getClass(), String.valueOf(readerSaw.get()));
            assertTrue(readerSaw.get().getMessage().contains("inside a read section"), readerSaw.get().getMessage());
        }
    }

    /**
     * A round waited for a busy arena's lock without bound while holding the policy: whoever then
     * waited for the policy (inside a section a mover of that arena waits for) hung with it. The
     * round now waits a bounded time and leaves the arena for the next round. Here the lock is
     * held by a compaction whose relocation listener waits for the test.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // before the fix: hung for good
    void shouldLeaveABusyArenaForTheNextRoundInsteadOfWaitingForItsLock() throws Exception {
        final CountDownLatch inListener = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (SimulatedAddressSpace space = space(64);
            PinningPolicy policy = PinningPolicy.builder().manual().build();
            Arena busy = shared(space, "busy").relocationListener((oldHandle, newHandle) -> {
                inListener.countDown();
                try {
                    release.await();
                } catch (final InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }).build();
            Arena idle = shared(space, "idle").build()) {
            // Three segments of 64-byte blocks: the first half full, the second sparse (evacuated:
            // the listener hears of its blocks), the third full.
            final int slots = (int)(SEGMENT_BYTES / 64);
            final long[] handles = new long[3 * slots];
            for (int index = 0; index < handles.length; index++) {
                handles[index] = busy.allocate(64);
            }
            for (int index = 0; index < handles.length; index++) {
                final int segment = index / slots;
                if (segment == 0 && index % 2 != 0 || segment == 1 && index % 20 != 0) {
                    busy.free(handles[index]);
                }
            }
            idle.allocate(SEGMENT_BYTES);
            policy.register(busy, 1);
            policy.register(idle, 1);
            final Thread compacting = daemon("compacting", busy::compact); // holds busy's lock in the listener
            compacting.start();
            assertTrue(inListener.await(10, TimeUnit.SECONDS), "the compaction reached its listener");

            final List<PinDecision> decisions = policy.decide();

            release.countDown();
            compacting.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(compacting.isAlive());
            final PinDecision busyDecision = decisions.stream().filter(d -> d.arenaName().equals("busy")).findFirst()
                .orElseThrow();
            final PinDecision idleDecision = decisions.stream().filter(d -> d.arenaName().equals("idle")).findFirst()
                .orElseThrow();
            assertEquals(PinDecision.Outcome.FAILED, busyDecision.outcome(), busyDecision.toString());
            assertTrue(busyDecision.reason().contains("stayed busy"), busyDecision.reason());
            assertEquals(PinDecision.Outcome.PINNED, idleDecision.outcome(), idleDecision.toString());
            idle.unpin();
        }
    }

    /** Growth between a round's measure and its pin was reported REFUSED, though the kernel refused nothing. */
    @Test
    void shouldNotReportGrowthDuringARoundAsAKernelRefusal() {
        try (SimulatedAddressSpace space = space(64);
            PinningPolicy policy = PinningPolicy.builder().manual().build();
            Arena hot = shared(space, "hot").build();
            Arena next = shared(space, "next").build()) {
            policy.register(hot, 2);
            policy.register(next, 1);
            hot.allocate(SEGMENT_BYTES);
            next.allocate(SEGMENT_BYTES);
            policy.beforeApplying = name -> {
                if (name.equals("next")) {
                    next.allocate(SEGMENT_BYTES); // another thread's allocation between measure and apply
                }
            };

            final PinDecision decision = policy.decide().get(1);

            assertNotEquals(PinDecision.Outcome.REFUSED, decision.outcome(), decision.toString());
            assertEquals(PinDecision.Outcome.PARTLY_PINNED, decision.outcome(), decision.toString());
        }
    }

    /** A refusal that persists was logged as a WARNING every period: pin() from the policy cleared what was told. */
    @Test
    void shouldLogARefusalThatPersistsOnce() {
        try (CapturedLog log = new CapturedLog(Arena.class.getName());
            SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17
            .withMemlock(64 * SEGMENT_BYTES).withIpcLock(false).withMaxMapCount(2));
            PinningPolicy policy = PinningPolicy.builder().manual().build();
            Arena arena = shared(space, "split").build()) {
            arena.allocate(SEGMENT_BYTES);
            arena.free(arena.allocate(SEGMENT_BYTES)); // given back: locking the first place alone splits a VMA
            policy.register(arena, 1);
            for (int round = 0; round < 5; round++) {
                arena.read().close(); // warm
                policy.decide();
            }
            final List<String> warnings = log.records.stream().filter(record -> record.getLevel() == Level.WARNING)
                .map(LogRecord::getMessage).collect(Collectors.toList());
            assertEquals(1, warnings.size(), () -> "told once: " + warnings);
            assertTrue(warnings.get(0).contains("vm.max_map_count"), warnings.get(0));
        }
    }

    private static Thread daemon(final String name, final ThrowingRunnable body) {
        final Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (final Exception failed) {
                throw new IllegalStateException(failed);
            }
        }, name);
        thread.setDaemon(true);
        return thread;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
