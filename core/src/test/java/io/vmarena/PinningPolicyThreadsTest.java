package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pinning policy attacked from four threads at once, each a fixed number of steps from a
 * printed seed: rounds; arenas allocating, freeing, closing and replaced; read sections; and
 * registrations and unregistrations at random priorities. Only the documented refusals are
 * allowed (a closed arena refused), and afterwards VmLck is exactly the open arenas' pinned
 * bytes, within the limit, and nothing is left locked once they close.
 */
class PinningPolicyThreadsTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final int SLOTS = 4;
    private static final int STEPS = 400;
    private static final long LIMIT_BYTES = 24 * SEGMENT_BYTES;

    @Test
    void shouldKeepVmLckExactWhileArenasComeAndGoDuringRounds() throws Exception {
        final long seed = Long.getLong("vmarena.policy.seed", System.nanoTime());
        System.out.println("PinningPolicyThreadsTest seed " + seed + " (-Dvmarena.policy.seed=" + seed + " replays)");
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17.withMemlock(LIMIT_BYTES)
            .withIpcLock(false))) {
            final AtomicReferenceArray<Arena> slots = new AtomicReferenceArray<>(SLOTS);
            final List<Arena> built = new ArrayList<>();
            try (PinningPolicy policy = PinningPolicy.builder().manual().coldAfter(2).build()) {
                for (int slot = 0; slot < SLOTS; slot++) {
                    slots.set(slot, build(space, slot, built));
                    policy.register(slots.get(slot), slot);
                }
                final AtomicReference<Throwable> failure = new AtomicReference<>();
                final CountDownLatch go = new CountDownLatch(1);
                final List<Thread> threads = List.of(
                    thread("rounds", seed, go, failure, random -> policy.decide()),
                    thread("churn", seed + 1, go, failure, random -> churn(space, slots, built, policy, random)),
                    thread("readers", seed + 2, go, failure, random -> read(slots.get(random.nextInt(SLOTS)))),
                    thread("registry", seed + 3, go, failure, random -> registry(slots, policy, random)));
                threads.forEach(Thread::start);
                go.countDown();
                for (final Thread thread : threads) {
                    thread.join();
                }
                if (failure.get() != null) {
                    throw new AssertionError("seed " + seed + ": a thread failed", failure.get());
                }
                for (int slot = 0; slot < SLOTS; slot++) {
                    policy.register(slots.get(slot), slot);
                }
                policy.decide();
                long pinnedBytes = 0;
                for (int slot = 0; slot < SLOTS; slot++) {
                    pinnedBytes += slots.get(slot).stats().pin().pinnedBytes();
                }
                assertEquals(space.lockedBytes(), pinnedBytes, "seed " + seed + ": VmLck is the open arenas' pins");
                assertTrue(pinnedBytes <= LIMIT_BYTES, "seed " + seed);
            } finally {
                for (final Arena arena : built) {
                    arena.close();
                }
            }
            assertEquals(0, space.lockedBytes(), "seed " + seed + ": nothing left locked");
        }
    }

    private static Thread thread(final String name, final long seed, final CountDownLatch go,
        final AtomicReference<Throwable> failure, final Consumer<SplittableRandom> step) {
        return new Thread(() -> {
            final SplittableRandom random = new SplittableRandom(seed);
            try {
                go.await();
                for (int index = 0; index < STEPS && failure.get() == null; index++) {
                    step.accept(random);
                }
            } catch (final Throwable thrown) {
                failure.compareAndSet(null, thrown);
            }
        }, name);
    }

    private static Arena build(final SimulatedAddressSpace space, final int slot, final List<Arena> built) {
        final Arena arena = Arena.builder().name("slot" + slot).addressSpace(space).threading(Threading.SHARED)
            .segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES).retainedBytes(2 * SEGMENT_BYTES).build();
        synchronized (built) {
            built.add(arena);
        }
        return arena;
    }

    /** Allocates and frees runs in one arena; now and then closes it and puts a new one in its slot. */
    private static void churn(final SimulatedAddressSpace space, final AtomicReferenceArray<Arena> slots,
        final List<Arena> built, final PinningPolicy policy, final SplittableRandom random) {
        final int slot = random.nextInt(SLOTS);
        final Arena arena = slots.get(slot);
        if (random.nextInt(20) == 0) {
            arena.close();
            final Arena fresh = build(space, slot, built);
            slots.set(slot, fresh);
            policy.register(fresh, random.nextInt(3));
            return;
        }
        final long handle = arena.allocate((1 + random.nextInt(3)) * SEGMENT_BYTES);
        if (random.nextBoolean()) {
            arena.free(handle);
        }
    }

    /** A read section in an arena that may close meanwhile: refused then, as documented. */
    private static void read(final Arena arena) {
        try {
            arena.read().close();
        } catch (final IllegalStateException closed) {
            if (arena.isOpen()) {
                throw closed;
            }
        }
    }

    private static void registry(final AtomicReferenceArray<Arena> slots, final PinningPolicy policy,
        final SplittableRandom random) {
        final Arena arena = slots.get(random.nextInt(SLOTS));
        if (random.nextBoolean()) {
            policy.unregister(arena);
            return;
        }
        try {
            policy.register(arena, random.nextInt(3));
        } catch (final IllegalArgumentException closed) {
            if (arena.isOpen()) {
                throw closed;
            }
        }
    }
}
