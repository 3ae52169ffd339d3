package io.vmarena;

import io.vmarena.vm.Capabilities;
import io.vmarena.vm.LockBudget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static io.vmarena.PinDecision.Outcome.CLOSED;
import static io.vmarena.PinDecision.Outcome.COLD;
import static io.vmarena.PinDecision.Outcome.FAILED;
import static io.vmarena.PinDecision.Outcome.OVER_BUDGET;
import static io.vmarena.PinDecision.Outcome.PARTLY_PINNED;
import static io.vmarena.PinDecision.Outcome.PINNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The policy's rounds against fake arenas and a fake lock budget: the budget's arithmetic, the
 * order of unpins and pins, cold arenas, the registry, and arenas closed before and during a
 * round. Every round is a call of decide(): nothing here waits for time.
 */
class PinningPolicyTest {
    private static final long PAGE = 4096;
    private final List<String> log = FakePinnable.log();
    private final Object space = new Object();
    /** VmLck, the soft limit and CAP_IPC_LOCK, as the round reads them. */
    private final AtomicReference<LockBudget> lockBudget = new AtomicReference<>(
        new LockBudget(0, 64 * PAGE, 64 * PAGE, false));
    private final PinningPolicy policy = PinningPolicy.builder().manual().coldAfter(2).build();

    @AfterEach
    void closePolicy() {
        policy.close();
    }

    private FakePinnable fake(final String name, final long pageCount, final int priority) {
        final FakePinnable fake = new FakePinnable(name, pageCount * PAGE, log);
        policy.register(fake, fake, priority, space, budget());
        return fake;
    }

    /** VmLck as the kernel would count it: what the fakes hold plus {@code besidesBytes}. */
    private Supplier<LockBudget> budget() {
        return lockBudget::get;
    }

    private void limits(final long lockedBytes, final long softBytes, final boolean ipcLock) {
        lockBudget.set(new LockBudget(lockedBytes, softBytes, softBytes, ipcLock));
    }

    private static List<String> summary(final List<PinDecision> decisions) {
        return decisions.stream().map(decision -> decision.arenaName() + " " + decision.outcome() + " "
            + decision.pinnedBytes() / PAGE).collect(Collectors.toList());
    }

    @Test
    void shouldPinEveryArenaWithinTheBudget() {
        final FakePinnable a = fake("a", 8, 1);
        final FakePinnable b = fake("b", 16, 1);
        a.touch(1, 0);
        b.touch(2, 0);
        final List<PinDecision> decisions = policy.decide();
        assertEquals(List.of("b PINNED 16", "a PINNED 8"), summary(decisions));
        assertEquals(64 * PAGE, decisions.get(0).budgetBytes());
        assertEquals((64 - 8) * PAGE, decisions.get(0).limitBytes(), "the hottest gets what is left as headroom");
        assertEquals("arena 'b' is pinned by its pinning policy (rank 1 of 2, priority 1, 2 claims and 0 read sections "
            + "in the last period, budget " + 16 * PAGE + " of " + 64 * PAGE + " bytes)", b.lastReason);
        assertEquals(b.lastReason, decisions.get(0).reason(), "the decision says what the arena says");
    }

    @Test
    void shouldPinTheHottestAndDegradeTheRestOverTheBudget() {
        final FakePinnable cool = fake("cool", 32, 1);
        final FakePinnable hot = fake("hot", 40, 1);
        final FakePinnable warm = fake("warm", 40, 1);
        cool.touch(0, 1);
        hot.touch(5, 100);
        warm.touch(1, 10);
        assertEquals(List.of("hot PINNED 40", "warm PARTLY_PINNED 24", "cool OVER_BUDGET 0"), summary(policy.decide()));
        assertEquals("arena 'warm' is pinned in part by its pinning policy (rank 2 of 3, priority 1, 1 claims and 10 "
            + "read sections in the last period; " + 24 * PAGE + " of its " + 40 * PAGE + " bytes fit, budget "
            + 64 * PAGE + " of " + 64 * PAGE + " bytes); the pinning limit of " + 24 * PAGE + " bytes is reached",
            warm.lastReason);
        assertEquals("arena 'cool' is not pinned: its pinning policy unpinned it (rank 3 of 3, priority 1, 0 claims "
            + "and 1 read sections in the last period; its " + 32 * PAGE + " bytes do not fit, higher ranks took the "
            + "budget " + 64 * PAGE + " of " + 64 * PAGE + " bytes)", cool.lastReason);
    }

    @Test
    void shouldRankByPriorityBeforeActivity() {
        final FakePinnable busy = fake("busy", 40, 0);
        final FakePinnable important = fake("important", 40, 10);
        busy.touch(1000, 1000);
        important.touch(0, 1);
        assertEquals(List.of("important PINNED 40", "busy PARTLY_PINNED 24"), summary(policy.decide()));
    }

    @Test
    void shouldTakeWhatTheProcessLockedBesidesTheArenasFromTheBudget() {
        final FakePinnable a = fake("a", 64, 1);
        a.touch(1, 0);
        a.pinnedBytes = 10 * PAGE; // the arena's own locked bytes are part of VmLck, and not "besides"
        limits(10 * PAGE + 20 * PAGE, 64 * PAGE, false); // 20 pages locked by someone else
        final PinDecision decision = policy.decide().get(0);
        assertEquals(44 * PAGE, decision.budgetBytes());
        assertEquals(PARTLY_PINNED, decision.outcome());
        assertEquals(44 * PAGE, decision.pinnedBytes());
    }

    @Test
    void shouldTakeTheSmallerOfTheCapAndTheLimitAndIgnoreTheLimitWithCapIpcLock() {
        final FakePinnable a = fake("a", 1000, 1);
        a.touch(1, 0);
        limits(0, Capabilities.UNLIMITED, false);
        assertEquals(PinPlan.UNLIMITED, policy.decide().get(0).budgetBytes(), "no cap, no limit");
        limits(0, 64 * PAGE, true);
        a.touch(1, 0);
        assertEquals(PinPlan.UNLIMITED, policy.decide().get(0).budgetBytes(), "CAP_IPC_LOCK: the limit does not apply");
        try (PinningPolicy capped = PinningPolicy.builder().manual().budgetBytes(100 * PAGE).build()) {
            final FakePinnable b = new FakePinnable("b", 1000 * PAGE, log);
            capped.register(b, b, 1, space, budget());
            b.touch(1, 0);
            assertEquals(100 * PAGE, capped.decide().get(0).budgetBytes(), "the cap, under CAP_IPC_LOCK");
            limits(0, 64 * PAGE, false);
            b.touch(1, 0);
            assertEquals(64 * PAGE, capped.decide().get(0).budgetBytes(), "the limit, smaller than the cap");
        }
    }

    @Test
    void shouldFollowALimitChangedBetweenRounds() {
        final FakePinnable a = fake("a", 32, 1);
        a.touch(1, 0);
        assertEquals(List.of("a PINNED 32"), summary(policy.decide()));
        limits(32 * PAGE, 16 * PAGE, false); // prlimit from outside lowers it
        a.touch(1, 0);
        assertEquals(List.of("a PARTLY_PINNED 16"), summary(policy.decide()));
    }

    @Test
    void shouldUnpinBeforePinningSoTheRoundNeverPassesTheLimit() {
        final FakePinnable first = fake("first", 48, 1);
        final FakePinnable second = fake("second", 48, 2);
        first.touch(1, 0);
        assertEquals(List.of("second PINNED 48", "first PARTLY_PINNED 16"), summary(policy.decide()));
        limits(64 * PAGE, 64 * PAGE, false);
        log.clear();
        first.touch(1, 0);
        second.touch(1, 0);
        policy.decide();
        assertEquals(List.of("pin second " + 48 * PAGE, "pin first " + 16 * PAGE), log, "nothing shrinks: rank order");
        try (PinningPolicy swapped = PinningPolicy.builder().manual().build()) {
            swapped.register(first, first, 5, space, budget()); // now first outranks second
            swapped.register(second, second, 1, space, budget());
            log.clear();
            first.touch(1, 0);
            second.touch(1, 0);
            assertEquals(List.of("first PINNED 48", "second PARTLY_PINNED 16"), summary(swapped.decide()));
            assertEquals(List.of("pin second " + 16 * PAGE, "pin first " + 48 * PAGE), log);
        }
    }

    @Test
    void shouldUnpinAnArenaGoneColdAndPinItAgainWhenItWarms() {
        final FakePinnable a = fake("a", 8, 1);
        a.touch(1, 0);
        assertEquals(List.of("a PINNED 8"), summary(policy.decide()));
        assertEquals(List.of("a PINNED 8"), summary(policy.decide()), "one quiet period of coldAfter(2)");
        final List<PinDecision> cold = policy.decide();
        assertEquals(List.of("a COLD 0"), summary(cold));
        assertEquals("arena 'a' is not pinned: its pinning policy unpinned it (cold: no segment claimed and no read "
            + "section entered for 2 periods or more; rank 1 of 1, priority 1, 0 claims and 0 read sections in the last "
            + "period)", cold.get(0).reason());
        a.touch(0, 1);
        assertEquals(List.of("a PINNED 8"), summary(policy.decide()));
    }

    @Test
    void shouldPinNothingWithACapOfZero() {
        try (PinningPolicy none = PinningPolicy.builder().manual().budgetBytes(0).build()) {
            final FakePinnable a = new FakePinnable("a", 8 * PAGE, log);
            a.pinnedBytes = 8 * PAGE; // pinned before: the cap of 0 takes it back
            none.register(a, a, 1, space, budget());
            a.touch(1, 1);
            assertEquals(List.of("a OVER_BUDGET 0"), summary(none.decide()));
            assertEquals(0, a.pinnedBytes);
        }
    }

    @Test
    void shouldReportWhatTheKernelRefusedInTheReason() {
        final FakePinnable a = fake("a", 32, 1);
        a.touch(1, 0);
        a.lockableBytes = 4 * PAGE;
        final PinDecision decision = policy.decide().get(0);
        // Locked in part: the arena's own reason names the kernel's refusal; REFUSED is for a
        // kernel that locked nothing (EPERM, no MLOCK_ONFAULT).
        assertEquals(PinDecision.Outcome.PARTLY_PINNED, decision.outcome());
        assertEquals(4 * PAGE, decision.pinnedBytes());
        assertTrue(decision.reason().endsWith("; ENOMEM: " + 4 * PAGE + " bytes locked"), decision.reason());
    }

    @Test
    void shouldDropAClosedArenaWithoutTouchingIt() {
        final FakePinnable a = fake("a", 8, 1);
        final FakePinnable b = fake("b", 8, 1);
        a.touch(1, 0);
        b.touch(1, 0);
        a.open = false;
        assertEquals(List.of("b PINNED 8", "a CLOSED 0"), summary(policy.decide()));
        b.touch(1, 0);
        assertEquals(List.of("b PINNED 8"), summary(policy.decide()), "it left the registry");
        assertEquals(List.of(), log.stream().filter(line -> line.startsWith("after close")).collect(Collectors.toList()));
    }

    @Test
    void shouldDropAnArenaClosedDuringTheRound() {
        final FakePinnable first = fake("first", 8, 2);
        final FakePinnable second = fake("second", 8, 1);
        first.touch(1, 0);
        second.touch(1, 0);
        first.during = fake -> second.open = false; // closed by another thread while the round pins the first
        assertEquals(List.of("first PINNED 8", "second CLOSED 0"), summary(policy.decide()));
        assertEquals(List.of("pin first " + 56 * PAGE), log, "the closed one is not called");
        first.during = fake -> { };
        first.touch(1, 0);
        assertEquals(List.of("first PINNED 8"), summary(policy.decide()));
    }

    @Test
    void shouldReportAFailedPinAndGoOnWithTheOthers() {
        final FakePinnable broken = fake("broken", 8, 2);
        final FakePinnable fine = fake("fine", 8, 1);
        broken.touch(1, 0);
        fine.touch(1, 0);
        broken.failure = new IllegalStateException("arena 'broken' has failed: a move could not be undone");
        final List<PinDecision> decisions = policy.decide();
        assertEquals(List.of("broken FAILED 0", "fine PINNED 8"), summary(decisions));
        assertTrue(decisions.get(0).reason().startsWith("the policy's decision, its pinning policy (rank 1 of 2"),
            decisions.get(0).reason());
        assertTrue(decisions.get(0).reason().endsWith(", failed: arena 'broken' has failed: a move could not be undone"),
            decisions.get(0).reason());
    }

    @Test
    void shouldKeepOneEntryWhenRegisteredTwiceWithTheNewPriority() {
        final FakePinnable a = fake("a", 40, 1);
        final FakePinnable b = fake("b", 40, 2);
        policy.register(a, a, 3, space, budget());
        a.touch(1, 0);
        b.touch(1, 0);
        final List<PinDecision> decisions = policy.decide();
        assertEquals(List.of("a PINNED 40", "b PARTLY_PINNED 24"), summary(decisions));
        assertEquals(3, decisions.get(0).priority());
    }

    @Test
    void shouldUnpinWhatItPinnedWhenUnregistered() {
        final FakePinnable pinned = fake("pinned", 8, 1);
        pinned.touch(1, 0);
        policy.decide();
        final FakePinnable never = fake("never", 8, 1); // registered after the round: never pinned by it
        log.clear();
        policy.unregister(pinned);
        policy.unregister(never);
        assertEquals(List.of("unpin pinned"), log, "only what the policy pinned is unpinned");
        assertEquals("arena 'pinned' is not pinned: taken from its pinning policy", pinned.lastReason);
        policy.unregister(pinned); // twice: nothing
        assertEquals(List.of(), policy.decide(), "both left the registry");
        assertEquals(List.of("unpin pinned"), log);
    }

    @Test
    void shouldRefuseAnArenaOfAnotherAddressSpaceOrClosed() {
        fake("a", 8, 1);
        final FakePinnable stranger = new FakePinnable("stranger", PAGE, log);
        final IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
            () -> policy.register(stranger, stranger, 1, new Object(), budget()));
        assertTrue(other.getMessage().contains("another address space"), other::getMessage);
        stranger.open = false;
        final IllegalArgumentException closed = assertThrows(IllegalArgumentException.class,
            () -> policy.register(stranger, stranger, 1, space, budget()));
        assertEquals("arena 'stranger' is closed: register an open arena", closed.getMessage());
    }

    @Test
    void shouldRefuseUseAfterCloseAndCloseTwiceQuietly() {
        fake("a", 8, 1);
        policy.close();
        policy.close();
        final IllegalStateException decide = assertThrows(IllegalStateException.class, policy::decide);
        assertEquals("decide: the pinning policy is closed; build a new one", decide.getMessage());
        final FakePinnable late = new FakePinnable("late", PAGE, log);
        assertThrows(IllegalStateException.class, () -> policy.register(late, late, 1, space, budget()));
    }

    @Test
    void shouldRefuseBadSettings() {
        assertEquals("budgetBytes must not be negative (0 pins nothing; Long.MAX_VALUE leaves the budget to "
            + "RLIMIT_MEMLOCK), got -1", assertThrows(IllegalArgumentException.class,
                () -> PinningPolicy.builder().budgetBytes(-1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> PinningPolicy.builder().coldAfter(0));
        assertThrows(IllegalArgumentException.class, () -> PinningPolicy.builder().period(java.time.Duration.ZERO));
        assertThrows(NullPointerException.class, () -> PinningPolicy.builder().scheduler(null));
    }
}
