package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Protection;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pinning policy over real shared arenas on the simulator, without CAP_IPC_LOCK and with a
 * small RLIMIT_MEMLOCK: within the budget every arena is pinned; over it the hottest are pinned
 * and the rest degrade to unpinned, still working; cold arenas are unpinned; an arena closed
 * during a round leaves it. After each round VmLck is exactly the arenas' pinned bytes (plus
 * what was locked besides), never over the limit, and every byte written is still there.
 */
class PinningPolicySimTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private SimulatedAddressSpace space;
    private final List<Arena> arenas = new ArrayList<>();
    private final List<LiveBlocks> blocks = new ArrayList<>();
    private PinningPolicy policy;

    @AfterEach
    void closeAll() {
        if (policy != null) {
            policy.close();
        }
        for (final Arena arena : arenas) {
            arena.close();
        }
        if (space != null) {
            space.close();
        }
    }

    /** An address space without CAP_IPC_LOCK whose RLIMIT_MEMLOCK is {@code segmentCount} segments. */
    private void limit(final long segmentCount) {
        space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withMemlock(segmentCount * SEGMENT_BYTES)
            .withIpcLock(false));
        policy = PinningPolicy.builder().manual().coldAfter(1).build();
    }

    /** A shared arena holding {@code segmentCount} segments of blocks, each written with its pattern. */
    private Arena arena(final String name, final int segmentCount, final int priority) {
        final Arena arena = Arena.builder().name(name).addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES).retainedBytes(0).build();
        arenas.add(arena);
        final LiveBlocks written = new LiveBlocks(space);
        blocks.add(written);
        policy.register(arena, priority);
        use(arena, segmentCount);
        return arena;
    }

    /** Claims {@code segmentCount} more segments (a run each) and writes them: activity. */
    private void use(final Arena arena, final int segmentCount) {
        final LiveBlocks written = blocks.get(arenas.indexOf(arena));
        for (int index = 0; index < segmentCount; index++) {
            final long handle = arena.allocate(SEGMENT_BYTES);
            written.write(arena.address(handle), written.add(handle, SEGMENT_BYTES, written.size() + 1), 0);
        }
    }

    /** Enters {@code count} read sections: activity without claims. */
    private static void read(final Arena arena, final int count) {
        for (int index = 0; index < count; index++) {
            arena.read().close();
        }
    }

    private void checkEveryByte(final String step) {
        for (int index = 0; index < arenas.size(); index++) {
            final Arena arena = arenas.get(index);
            if (arena.isOpen()) {
                blocks.get(index).checkAll(arena::address, arena::capacity, step + ": arena '" + arena.name() + "'");
            }
        }
    }

    private long arenasPinnedBytes() {
        long pinnedBytes = 0;
        for (final Arena arena : arenas) {
            if (arena.isOpen()) {
                pinnedBytes += arena.stats().pin().pinnedBytes();
            }
        }
        return pinnedBytes;
    }

    private static List<String> summary(final List<PinDecision> decisions) {
        return decisions.stream().map(decision -> decision.arenaName() + " " + decision.outcome() + " "
            + decision.pinnedBytes() / SEGMENT_BYTES).collect(Collectors.toList());
    }

    @Test
    void shouldPinEveryArenaWithinTheBudget() {
        limit(32);
        final Arena orders = arena("orders", 4, 10);
        final Arena quotes = arena("quotes", 6, 1);
        assertEquals(List.of("orders PINNED 4", "quotes PINNED 6"), summary(policy.decide()));
        assertEquals(10 * SEGMENT_BYTES, space.lockedBytes(), "VmLck: the pinned segments, counted once");
        assertEquals(space.lockedBytes(), arenasPinnedBytes());
        final PinStatus pin = orders.stats().pin();
        assertEquals(PinState.PINNED, pin.state());
        assertTrue(pin.reason().startsWith("arena 'orders' is pinned by its pinning policy (rank 1 of 2, priority 10, "
            + "4 claims and 0 read sections in the last period, budget " + 4 * SEGMENT_BYTES + " of " + 32 * SEGMENT_BYTES
            + " bytes)"), pin::reason);
        use(orders, 2); // rank 1 has the budget's rest as headroom: its growth is locked as it is committed
        use(quotes, 1); // quotes' share is what it held: its growth waits for the next round
        assertEquals(6 * SEGMENT_BYTES, orders.stats().pin().pinnedBytes());
        assertEquals(6 * SEGMENT_BYTES, quotes.stats().pin().pinnedBytes());
        assertEquals(PinState.PARTLY_PINNED, quotes.stats().pin().state());
        assertEquals(List.of("orders PINNED 6", "quotes PINNED 7"), summary(policy.decide()));
        checkEveryByte("within the budget");
    }

    @Test
    void shouldPinTheHottestAndDegradeTheRestOverTheBudget() {
        limit(16);
        final Arena hot = arena("hot", 8, 1);
        final Arena warm = arena("warm", 10, 1);
        final Arena cool = arena("cool", 4, 1);
        read(hot, 50);
        read(warm, 20);
        assertEquals(List.of("hot PINNED 8", "warm PARTLY_PINNED 8", "cool OVER_BUDGET 0"), summary(policy.decide()));
        assertEquals(16 * SEGMENT_BYTES, space.lockedBytes(), "the whole budget, no more");
        assertEquals(space.lockedBytes(), arenasPinnedBytes());
        assertEquals(PinState.PARTLY_PINNED, warm.stats().pin().state());
        assertEquals(2 * SEGMENT_BYTES, warm.stats().pin().unpinnedBytes());
        assertEquals(PinState.UNPINNED, cool.stats().pin().state());
        assertTrue(cool.stats().pin().reason().startsWith("arena 'cool' is not pinned: its pinning policy unpinned it "
            + "(rank 3 of 3"), cool.stats().pin()::reason);
        use(warm, 3); // beyond its share: grows on, unpinned
        use(cool, 3);
        assertEquals(16 * SEGMENT_BYTES, space.lockedBytes(), "growth past a share stays unpinned");
        checkEveryByte("over the budget");
        read(cool, 1000); // the tables turn: cool is the hottest now, then warm (3 claims and a section), then hot
        read(hot, 1);
        read(warm, 1);
        assertEquals(List.of("cool PINNED 7", "warm PARTLY_PINNED 9", "hot OVER_BUDGET 0"), summary(policy.decide()));
        assertEquals(16 * SEGMENT_BYTES, space.lockedBytes(), "the round unpinned before it pinned: within the limit");
        assertEquals(space.lockedBytes(), arenasPinnedBytes());
        checkEveryByte("after the ranks changed");
    }

    @Test
    void shouldUnpinAnArenaGoneCold() {
        limit(32);
        final Arena busy = arena("busy", 4, 1);
        final Arena idle = arena("idle", 4, 100);
        assertEquals(List.of("idle PINNED 4", "busy PINNED 4"), summary(policy.decide()));
        read(busy, 1);
        assertEquals(List.of("busy PINNED 4", "idle COLD 0"), summary(policy.decide()), "coldAfter(1), priority or not");
        assertEquals(4 * SEGMENT_BYTES, space.lockedBytes());
        assertEquals(0, idle.stats().pin().pinnedBytes());
        read(idle, 1);
        read(busy, 1);
        assertEquals(List.of("idle PINNED 4", "busy PINNED 4"), summary(policy.decide()), "warm again");
        checkEveryByte("cold and warm again");
    }

    @Test
    void shouldTakeWhatTheProcessLockedBesidesFromTheBudget() {
        limit(16);
        final long other = space.map(0, 6 * SEGMENT_BYTES, Protection.READ_WRITE, MapFlags.NONE);
        space.lock(other, 6 * SEGMENT_BYTES, LockMode.ON_FAULT); // someone else's locked memory
        final Arena arena = arena("arena", 12, 1);
        final List<PinDecision> decisions = policy.decide();
        assertEquals(List.of("arena PARTLY_PINNED 10"), summary(decisions));
        assertEquals(10 * SEGMENT_BYTES, decisions.get(0).budgetBytes());
        assertEquals(16 * SEGMENT_BYTES, space.lockedBytes());
        use(arena, 1);
        assertEquals(List.of("arena PARTLY_PINNED 10"), summary(policy.decide()), "its own pin is not 'besides'");
        space.unmap(other, 6 * SEGMENT_BYTES);
        use(arena, 1);
        assertEquals(List.of("arena PINNED 14"), summary(policy.decide()), "the budget grew back");
        checkEveryByte("besides");
    }

    @Test
    void shouldPinNothingWithALimitOfZeroAndKeepEveryArenaWorking() {
        limit(0);
        final Arena arena = arena("arena", 3, 1);
        final List<PinDecision> decisions = policy.decide();
        assertEquals(List.of("arena OVER_BUDGET 0"), summary(decisions));
        // It said "higher ranks took the budget 0 of 0 bytes": no rank took anything, the limit is 0.
        assertTrue(decisions.get(0).reason().endsWith("do not fit: the budget is 0 bytes, RLIMIT_MEMLOCK's soft "
            + "limit of 0 bytes (no CAP_IPC_LOCK); raise it (`ulimit -l`, systemd `LimitMEMLOCK=`, `docker run "
            + "--ulimit memlock=`) or grant CAP_IPC_LOCK)"), decisions.get(0).reason());
        assertEquals(0, space.lockedBytes());
        use(arena, 2);
        checkEveryByte("limit 0");
    }

    @Test
    void shouldDropAnArenaClosedDuringARoundWithoutTouchingIt() throws Exception {
        limit(32);
        final Arena first = arena("first", 4, 2);
        final Arena second = arena("second", 4, 1);
        policy.beforeApplying = name -> {
            if (name.equals("first")) {
                // another thread closes the second arena while the round is pinning the first
                CompletableFuture.runAsync(second::close).join();
            }
        };
        final List<PinDecision> decisions = policy.decide();
        assertEquals(List.of("first PINNED 4", "second CLOSED 0"), summary(decisions));
        assertFalse(second.isOpen());
        assertEquals(4 * SEGMENT_BYTES, space.lockedBytes(), "the closed arena locked nothing and holds nothing");
        policy.beforeApplying = name -> { };
        read(first, 1);
        assertEquals(List.of("first PINNED 4"), summary(policy.decide()), "the closed arena left the registry");
        checkEveryByte("closed during a round");
    }

    /** The round runs on its own thread; the arena's owner closes it after it was measured, before its pin. */
    @Test
    void shouldLeaveAnArenaClosedAfterItWasMeasuredUntouched() throws Exception {
        limit(32);
        final Arena arena = arena("arena", 4, 1);
        final CountDownLatch applying = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        policy.beforeApplying = name -> {
            applying.countDown();
            try {
                assertTrue(closed.await(10, TimeUnit.SECONDS), "closed");
            } catch (final InterruptedException interrupted) {
                throw new IllegalStateException(interrupted);
            }
        };
        final CompletableFuture<List<PinDecision>> round = CompletableFuture.supplyAsync(policy::decide);
        assertTrue(applying.await(10, TimeUnit.SECONDS), "the round measured the arena and is about to pin it");
        arena.close();
        closed.countDown();
        assertEquals(List.of("arena CLOSED 0"), summary(round.get(10, TimeUnit.SECONDS)));
        assertEquals(0, space.lockedBytes());
    }

    @Test
    void shouldUnpinOnUnregisterAndLeaveTheArenaWorking() {
        limit(32);
        final Arena arena = arena("arena", 4, 1);
        policy.decide();
        assertEquals(4 * SEGMENT_BYTES, space.lockedBytes());
        policy.unregister(arena);
        assertEquals(0, space.lockedBytes());
        assertEquals("arena 'arena' is not pinned: taken from its pinning policy", arena.stats().pin().reason());
        assertEquals(List.of(), policy.decide());
        use(arena, 1);
        checkEveryByte("unregistered");
    }
}
