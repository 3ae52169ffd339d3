package io.vmarena;

import io.vmarena.vm.Capabilities;
import io.vmarena.vm.LockBudget;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Protection;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pinning policy used as a hostile caller would: settings at their limits and one arena under
 * two policies. Each test failed before its fix.
 */
class PinningPolicyMisuseAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    private static SimulatedAddressSpace space(final long memlockSegments) {
        return new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withMemlock(memlockSegments * SEGMENT_BYTES)
            .withIpcLock(false));
    }

    private static Arena.Builder shared(final SimulatedAddressSpace space, final String name) {
        return Arena.builder().name(name).addressSpace(space).threading(Threading.SHARED).segmentBytes(SEGMENT_BYTES)
            .initialBytes(4 * SEGMENT_BYTES).maximumBytes(256 * SEGMENT_BYTES).retainedBytes(0);
    }

    /** A period past Long.MAX_VALUE nanoseconds made build() fail with a bare ArithmeticException "long overflow". */
    @Test
    void shouldRefuseAPeriodTheSchedulerCannotCountSayingWhatToDo() {
        final PinningPolicy.Builder builder = PinningPolicy.builder();
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> builder.period(Duration.ofSeconds(Long.MAX_VALUE)));
        assertTrue(refused.getMessage().contains("period must be at most"), refused.getMessage());
        assertTrue(refused.getMessage().contains("manual()"), refused.getMessage());

        try (PinningPolicy longest = builder.period(Duration.ofNanos(Long.MAX_VALUE)).build()) {
            assertEquals(Duration.ofNanos(Long.MAX_VALUE), longest.period(), "the longest period still builds");
        }
    }

    /**
     * One arena registered with two policies: the second's round unpinned what the first pinned,
     * every round, and each counted the other's locks as the process's. Now the second refuses it
     * until the first lets it go.
     */
    @Test
    void shouldRefuseAnArenaRegisteredWithAnotherOpenPolicy() {
        try (SimulatedAddressSpace space = space(64);
            PinningPolicy first = PinningPolicy.builder().manual().build();
            Arena arena = shared(space, "contested").build()) {
            final PinningPolicy second = PinningPolicy.builder().manual().budgetBytes(0).build(); // closed below
            arena.allocate(3 * SEGMENT_BYTES);
            first.register(arena, 1);
            assertEquals(PinDecision.Outcome.PINNED, first.decide().get(0).outcome());

            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> second.register(arena, 1));
            assertTrue(refused.getMessage().contains("'contested' is registered with another pinning policy"),
                refused.getMessage());
            assertTrue(refused.getMessage().contains("unregister it from that policy"), refused.getMessage());
            assertTrue(second.decide().isEmpty(), "the second policy took nothing");
            assertEquals(PinState.PINNED, arena.stats().pin().state(), arena.stats().pin().reason());
            assertEquals(arena.stats().pin().pinnedBytes(), space.lockedBytes());
            assertTrue(space.lockedBytes() > 0, "the first policy's pin holds locks");

            first.register(arena, 7); // the same policy again: a new priority, no refusal
            first.unregister(arena);
            second.register(arena, 1);
            final PinDecision unpinned = second.decide().get(0);
            assertEquals(PinDecision.Outcome.OVER_BUDGET, unpinned.outcome());
            // It said "higher ranks took the budget 0 of 0 bytes", of the only rank.
            assertTrue(unpinned.reason().endsWith("do not fit: the budget is 0 bytes, the policy's budgetBytes of 0 "
                + "bytes; raise it)"), unpinned.reason());
            assertEquals(0, space.lockedBytes(), "the second policy's budget of 0 unpinned it");

            second.close();
            first.register(arena, 1); // a closed policy holds nothing
            assertEquals(PinDecision.Outcome.PINNED, first.decide().get(0).outcome());
        }
    }

    /**
     * Memory the process locked besides the arenas used the whole limit up: the decision blamed
     * "higher ranks" for a budget of 0 of 0 bytes, and did not say what to unlock or raise.
     */
    @Test
    void shouldSayWhereABudgetOfZeroComesFromAndWhatRaisesIt() {
        try (SimulatedAddressSpace space = space(4);
            PinningPolicy policy = PinningPolicy.builder().manual().build();
            Arena arena = shared(space, "starved").build()) {
            final long other = space.map(0, 4 * SEGMENT_BYTES, Protection.READ_WRITE, MapFlags.NONE);
            space.lock(other, 4 * SEGMENT_BYTES, LockMode.ON_FAULT); // someone else's locked memory
            arena.allocate(2 * SEGMENT_BYTES);
            policy.register(arena, Integer.MAX_VALUE);

            final PinDecision decision = policy.decide().get(0);

            assertEquals(PinDecision.Outcome.OVER_BUDGET, decision.outcome());
            assertTrue(decision.reason().endsWith("do not fit: the budget is 0 bytes, RLIMIT_MEMLOCK's soft limit of "
                + 4 * SEGMENT_BYTES + " bytes (no CAP_IPC_LOCK); raise it (`ulimit -l`, systemd `LimitMEMLOCK=`, "
                + "`docker run --ulimit memlock=`) or grant CAP_IPC_LOCK, or unlock some of the " + 4 * SEGMENT_BYTES
                + " bytes the process locked besides the policy's arenas)"), decision.reason());
            assertEquals(decision.reason(), arena.stats().pin().reason(), "the arena's stats say the same");
            assertEquals(4 * SEGMENT_BYTES, space.lockedBytes(), "the arena locked nothing");
            space.unmap(other, 4 * SEGMENT_BYTES);
        }
    }

    /**
     * close() returned while a periodic round was under way, so "close the policy, then unpin the
     * arena" ended with the arena pinned: the round, past close(), pinned it after the unpin, and
     * no round came to undo it. Now close() waits for the round under way.
     */
    @Test
    void shouldFinishTheRoundUnderWayBeforeCloseReturns() throws Exception {
        try (SimulatedAddressSpace space = space(64);
            Arena arena = shared(space, "late").build()) {
            arena.allocate(3 * SEGMENT_BYTES);
            final PinningPolicy policy = PinningPolicy.builder().period(Duration.ofMillis(1)).build();
            final CountDownLatch inRound = new CountDownLatch(1);
            final AtomicBoolean userDone = new AtomicBoolean();
            final AtomicReference<Thread> user = new AtomicReference<>();
            final AtomicBoolean first = new AtomicBoolean(true);
            policy.beforeApplying = name -> {
                if (!first.getAndSet(false)) {
                    return;
                }
                inRound.countDown();
                // Go on once the user's close() and unpin() are done, or the user waits in close().
                while (user.get() == null || !userDone.get() && user.get().getState() != Thread.State.BLOCKED) {
                    Thread.onSpinWait();
                }
            };
            policy.register(arena, 1);
            inRound.await();
            final Thread closing = new Thread(() -> {
                policy.close();
                arena.unpin();
                userDone.set(true);
            }, "user");
            user.set(closing);
            closing.start();
            closing.join();

            assertEquals(PinState.UNPINNED, arena.stats().pin().state(), arena.stats().pin().reason());
            assertEquals(0, space.lockedBytes(), "unpinned after the policy closed: nothing locked");
        }
    }

    /**
     * The count of idle periods wrapped past Integer.MAX_VALUE (hours of rounds at a period of
     * nanoseconds, coldAfter(Integer.MAX_VALUE) reached it first): the coldest arena read as idle
     * for a negative count, warm, and was pinned again.
     */
    @Test
    void shouldKeepAnArenaColdPastIntegerMaxValueIdlePeriods() {
        final FakePinnable idle = new FakePinnable("idle", 4 * SEGMENT_BYTES, new ArrayList<>());
        final PinEntry entry = new PinEntry(idle, idle, Integer.MAX_VALUE, 0, idle.figures());
        entry.idlePeriods = Integer.MAX_VALUE - 1;
        for (int round = 0; round < 3; round++) {
            final List<PinDecision> decisions = new PinRound(List.of(entry), Long.MAX_VALUE, Integer.MAX_VALUE,
                () -> new LockBudget(0, Capabilities.UNLIMITED, Capabilities.UNLIMITED, false), name -> { }).run();
            assertEquals(PinDecision.Outcome.COLD, decisions.get(0).outcome(), "round " + round + ": " + decisions);
            assertEquals(Integer.MAX_VALUE, entry.idlePeriods);
        }
    }
}
