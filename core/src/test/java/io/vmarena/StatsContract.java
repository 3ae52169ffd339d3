package io.vmarena;

import io.vmarena.vm.AddressSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stats() and residency() on every address space: residency()'s figures and stats()'s VMA count
 * agree with the address space's smaps (Linux's, or the simulator's) after every step of a random
 * sequence of the calls that change them, and stats()'s resident and locked bytes (the arena's own
 * account, see ResidentAccountContract) are never less; a confined arena answers a monitoring
 * thread without failing or waiting, however its owner races it.
 */
public abstract class StatsContract extends ArenaFixture {
    /** Owner steps while a monitor calls stats() in a loop. */
    private static final int RACED_STEPS = 400;
    /** How long a test waits for what must happen at once; only a broken arena waits this long. */
    private static final long HOLD_SECONDS = 30;

    /**
     * Random allocate, free, write, read, trim, pin, unpin, compact and growth by moving. Where
     * the address space lacks PAGEMAP_SCAN (Linux before 6.7), residency falls back to mincore,
     * which counts a zero-page read where smaps does not (see AddressSpace.residency): there the
     * blocks are written instead of read, so every other figure is still reconciled.
     */
    @Test
    void shouldAgreeWithTheAddressSpacesSmapsAfterEveryRandomStep() {
        final long seed = System.nanoTime();
        final boolean zeroPageReads = space.capabilities().pagemapScan().available();
        System.out.println(getClass().getSimpleName() + " seed " + seed + (zeroPageReads ? ""
            : ", no zero-page reads: without PAGEMAP_SCAN residency counts them, smaps does not"));
        final Random random = new Random(seed);
        try (Arena arena = arena().build()) {
            final List<Long> blocks = new ArrayList<>();
            for (int step = 0; step < 120; step++) {
                final String what = step(arena, blocks, random, zeroPageReads);
                final ArenaStats stats = arena.stats();
                assertMeasured(arena, stats, "seed " + seed + ", step " + step + ": " + what);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldAnswerAMonitorWithoutFailingOrWaitingWhileTheOwnerRacesIt() throws Exception {
        final long seed = System.nanoTime();
        System.out.println(getClass().getSimpleName() + " raced seed " + seed);
        final Random random = new Random(seed);
        final Arena arena = arena().build();
        final CountDownLatch firstRead = new CountDownLatch(1);
        final AtomicReference<Throwable> unexpected = new AtomicReference<>();
        final long[] reads = new long[1];
        final Thread monitor = new Thread(() -> {
            try {
                while (true) {
                    final Reading reading = read(arena);
                    if (reading == null) {
                        return;
                    }
                    final ArenaStats stats = reading.stats();
                    final ArenaResidency residency = reading.residency();
                    reads[0]++;
                    firstRead.countDown();
                    saneFigures(stats);
                    saneFigures(stats, residency);
                }
            } catch (final Throwable failure) {
                unexpected.set(failure);
                firstRead.countDown();
            }
        }, "stats-monitor");
        monitor.start();
        try {
            firstRead.await();
            final List<Long> blocks = new ArrayList<>();
            for (int step = 0; step < RACED_STEPS && unexpected.get() == null; step++) {
                step(arena, blocks, random, true);
            }
        } finally {
            arena.close();
            monitor.join();
        }
        assertNull(unexpected.get(), () -> "seed " + seed + ": the monitor failed: " + unexpected.get());
        assertTrue(reads[0] > 0, "the monitor read");
    }

    @Test
    void shouldGiveAMonitorTheFiguresOfAnIdleOwner() throws Exception {
        try (Arena arena = arena().build()) {
            final List<Long> blocks = new ArrayList<>();
            final Random random = new Random(7);
            for (int step = 0; step < 30; step++) {
                step(arena, blocks, random, true);
            }
            final ArenaStats owners = arena.stats();
            assertEquals(owners, CompletableFuture.supplyAsync(arena::stats).get(),
                "an idle owner's figures, forecast included (the owner's last stats() made it)");
            assertEquals(arena.residency(), CompletableFuture.supplyAsync(arena::residency).get());
        }
    }

    @Test
    void shouldRefuseAMonitorOnceTheArenaIsClosed() throws Exception {
        final Arena arena = arena().build();
        arena.close();
        final Throwable refused = CompletableFuture.supplyAsync(
            () -> assertThrows(IllegalStateException.class, arena::stats)).get();
        assertTrue(refused.getMessage().contains("is closed"), refused.getMessage());
        final Throwable unmeasured = CompletableFuture.supplyAsync(
            () -> assertThrows(IllegalStateException.class, arena::residency)).get();
        assertTrue(unmeasured.getMessage().contains("is closed"), unmeasured.getMessage());
    }

    /**
     * A shared arena's residency() holds its lock only while it reads its tables: with its
     * page-table walk held, other threads allocate, write, free and trim (they waited for the
     * lock before).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldLetOtherThreadsChangeASharedArenaWhileItsResidencyWalksThePageTables() throws Exception {
        final HeldWalkSpace held = new HeldWalkSpace(space);
        final ExecutorService threads = Executors.newCachedThreadPool();
        try (Arena arena = sharedArena(held).build()) {
            final long kept = written(arena, 3 * segmentBytes);
            held.holdNextWalk();
            final Future<ArenaResidency> monitor = threads.submit(arena::residency);
            try {
                held.awaitWalking();
                final Future<Long> changes = threads.submit(() -> {
                    arena.free(written(arena, 100));
                    final long run = written(arena, 2 * segmentBytes);
                    arena.free(run);
                    return arena.trim(Long.MAX_VALUE);
                });
                assertTrue(changes.get(HOLD_SECONDS, TimeUnit.SECONDS) >= 0, "trimmed");
                assertFalse(monitor.isDone(), "the walk is still held");
            } finally {
                held.release();
            }
            final ArenaResidency during = monitor.get(HOLD_SECONDS, TimeUnit.SECONDS);
            assertTrue(during.residentBytes() >= 3 * segmentBytes, "the kept block is in memory: " + during);
            assertNull(held.unmappedWalk());
            arena.free(kept);
            assertMeasured(arena, arena.stats(), "after");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldHoldGrowthByMovingOffUntilASharedArenasResidencyHasWalked() throws Exception {
        assertMoverWaitsForTheWalk((arena, before) -> arena.allocate(before.reservedBytes()), false);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldHoldCompactionOffUntilASharedArenasResidencyHasWalked() throws Exception {
        assertMoverWaitsForTheWalk((arena, before) -> arena.compact(), false);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldHoldCloseOffUntilASharedArenasResidencyHasWalked() throws Exception {
        assertMoverWaitsForTheWalk((arena, before) -> {
            arena.close();
            return "closed";
        }, true);
    }

    /** A thread inside a section whose mover waits for it: stats() neither waits for the lock nor walks a moved range. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @SuppressWarnings("try") // the section is held for its effect, not referenced
    void shouldAnswerStatsInsideASectionThatAMoverWaitsFor() throws Exception {
        final HeldWalkSpace held = new HeldWalkSpace(space);
        final ExecutorService threads = Executors.newCachedThreadPool();
        try (Arena arena = sharedArena(held).build()) {
            sparse(arena);
            final CountDownLatch moverWaits = MoverWaits.latch(arena);
            final Future<CompactionResult> mover;
            final ArenaStats inside;
            final ArenaStats before;
            try (ReadSection section = arena.read()) {
                before = arena.stats();
                mover = threads.submit(arena::compact);
                assertTrue(moverWaits.await(HOLD_SECONDS, TimeUnit.SECONDS), "the compaction waits for the section");
                inside = arena.stats();
                assertTrue(arena.residency().residentBytes() > 0, "measured inside the section too");
            }
            assertTrue(mover.get(HOLD_SECONDS, TimeUnit.SECONDS).complete());
            assertEquals(before.baseAddress(), inside.baseAddress());
            assertEquals(before.moves(), inside.moves(), "from before the compaction");
            assertNull(held.unmappedWalk());
            final ArenaStats after = arena.stats();
            assertTrue(after.moves() > before.moves(), after::toString);
            assertMeasured(arena, after, "after the compaction");
        } finally {
            threads.shutdownNow();
        }
    }

    /** Monitors poll a shared arena while it is changed, moved and closed: never an unmapped range, never a hang. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldNeverWalkAnUnmappedRangeWhenSharedStatsRaceChangesAndClose() throws Exception {
        final long seed = System.nanoTime();
        System.out.println(getClass().getSimpleName() + " shared raced seed " + seed);
        final Random random = new Random(seed);
        final HeldWalkSpace held = new HeldWalkSpace(space);
        final Arena arena = sharedArena(held).build();
        final ExecutorService threads = Executors.newCachedThreadPool();
        try {
            final List<Future<Long>> monitors = new ArrayList<>();
            for (int index = 0; index < 2; index++) {
                monitors.add(threads.submit(() -> {
                    long reads = 0;
                    while (true) {
                        final Reading reading = read(arena);
                        if (reading == null) {
                            return reads;
                        }
                        final ArenaStats stats = reading.stats();
                        final ArenaResidency residency = reading.residency();
                        saneFigures(stats);
                        saneFigures(stats, residency);
                        reads++;
                    }
                }));
            }
            final List<Long> blocks = new ArrayList<>();
            for (int step = 0; step < RACED_STEPS; step++) {
                step(arena, blocks, random, true);
            }
            arena.close();
            for (final Future<Long> monitor : monitors) {
                assertTrue(monitor.get(HOLD_SECONDS, TimeUnit.SECONDS) >= 0);
            }
            assertNull(held.unmappedWalk(), "seed " + seed);
        } finally {
            arena.close();
            threads.shutdownNow();
        }
    }

    /**
     * {@code mover} (growth by moving, compaction or close) started while a shared arena's
     * residency() walk is held waits for it, and the walk is of the range before the move, mapped.
     */
    private void assertMoverWaitsForTheWalk(final BiFunction<Arena, ArenaStats, Object> mover, final boolean closes)
        throws Exception {
        final HeldWalkSpace held = new HeldWalkSpace(space);
        final ExecutorService threads = Executors.newCachedThreadPool();
        final Arena arena = sharedArena(held).build();
        try {
            sparse(arena);
            final ArenaStats before = arena.stats();
            final ArenaResidency measuredBefore = arena.residency();
            final CountDownLatch moverWaits = MoverWaits.latch(arena);
            held.holdNextWalk();
            final Future<ArenaResidency> monitor = threads.submit(arena::residency);
            final Future<Object> moving;
            try {
                held.awaitWalking();
                moving = threads.submit(() -> mover.apply(arena, before));
                assertTrue(moverWaits.await(HOLD_SECONDS, TimeUnit.SECONDS), "the mover waits for the walk");
                assertFalse(moving.isDone(), "the mover waits for the walk");
            } finally {
                held.release();
            }
            final ArenaResidency during = monitor.get(HOLD_SECONDS, TimeUnit.SECONDS);
            moving.get(HOLD_SECONDS, TimeUnit.SECONDS);
            assertEquals(measuredBefore, during, "the range as it was before the move");
            assertNull(held.unmappedWalk());
            if (closes) {
                assertTrue(assertThrows(IllegalStateException.class, arena::stats).getMessage().contains("is closed"));
            } else {
                final ArenaStats after = arena.stats();
                assertTrue(after.moves() > before.moves(), after::toString);
            }
        } finally {
            arena.close();
            threads.shutdownNow();
        }
    }

    /** Six runs of two segments, written, the first three freed: compaction has segments to slide. */
    private void sparse(final Arena arena) {
        final long[] runs = new long[6];
        for (int index = 0; index < runs.length; index++) {
            runs[index] = written(arena, 2 * segmentBytes);
        }
        for (int index = 0; index < 3; index++) {
            arena.free(runs[index]);
        }
    }

    /** A block of {@code lengthBytes}, every byte written. */
    private static long written(final Arena arena, final long lengthBytes) {
        final long handle = arena.allocate(lengthBytes);
        final byte[] bytes = new byte[(int)lengthBytes];
        java.util.Arrays.fill(bytes, (byte)0x3c);
        arena.put(handle, 0, bytes, 0, bytes.length);
        return handle;
    }

    private Arena.Builder sharedArena(final AddressSpace addressSpace) {
        return arena().addressSpace(addressSpace).threading(Threading.SHARED);
    }

    /** residency() and stats()'s VMA count are what smaps counts; stats()'s account is never less. */
    private void assertMeasured(final Arena arena, final ArenaStats stats, final String when) {
        final ArenaResidency residency = arena.residency();
        final List<Long> smaps = smaps(stats);
        assertEquals(smaps, List.of((long)stats.vmaCount(), residency.residentBytes(), residency.lockedBytes(),
            residency.hugePageBytes()), when + ": " + stats + ", " + residency);
        assertEquals((long)smaps.get(3), stats.hugePageBytes(), when + ": " + stats);
        assertTrue(stats.residentBytes() >= smaps.get(1) && stats.lockedBytes() >= smaps.get(2),
            () -> when + ": the account is an upper bound: " + stats + ", " + residency);
        assertTrue(stats.residentBytes() <= stats.committedBytes(), () -> when + ": " + stats);
    }

    /** Measured figures a reader racing the owner may get: each in its range, whatever the owner did. */
    private static void saneFigures(final ArenaStats stats, final ArenaResidency residency) {
        assertTrue(residency.residentBytes() >= 0 && residency.lockedBytes() >= 0 && residency.hugePageBytes() >= 0,
            residency::toString);
    }

    /** Figures a reader racing the owner may get: each in its range, whatever the owner did. */
    private static void saneFigures(final ArenaStats stats) {
        for (final long figure : new long[] {stats.reservedBytes(), stats.committedBytes(), stats.residentBytes(),
            stats.usedBytes(), stats.lockedBytes(), stats.retainedBytes(), stats.vmaCount(), stats.freeSegments(),
            stats.classSegments(), stats.runSegments(), stats.grows(), stats.moves(), stats.compactions(),
            stats.reclaimableBytes(), stats.reclaimableReservedBytes(), stats.hugePageBytes(),
            stats.pin().pinnedBytes()}) {
            assertTrue(figure >= 0, () -> "a negative figure: " + stats);
        }
        assertTrue(stats.fragmentation() >= 0 && stats.fragmentation() <= 1, () -> "fragmentation: " + stats);
        assertTrue(stats.residentBytes() <= stats.reservedBytes(), () -> "resident beyond the range: " + stats);
        assertTrue(stats.lockedBytes() <= stats.residentBytes(), () -> "locked beyond resident: " + stats);
    }

    /**
     * One random change: growth moves (in-place growth is off), compaction shrinks the range
     * again; a quarter of the blocks allocated are read, not written, if {@code zeroPageReads},
     * and otherwise every block is written whole (a reallocated one too), so that neither the
     * test nor a reallocate's copy reads a page never written.
     */
    private String step(final Arena arena, final List<Long> blocks, final Random random,
        final boolean zeroPageReads) {
        final int kind = random.nextInt(12);
        if (kind < 4 || blocks.isEmpty()) {
            final long lengthBytes = random.nextBoolean() ? 1 + random.nextInt(4096)
                : segmentBytes + random.nextInt((int)(6 * segmentBytes));
            final long handle = arena.allocate(lengthBytes);
            if (random.nextInt(4) != 0 || !zeroPageReads) {
                final byte[] bytes = new byte[(int)lengthBytes];
                java.util.Arrays.fill(bytes, (byte)0x5a);
                arena.put(handle, 0, bytes, 0, bytes.length);
            } else {
                arena.get(handle, 0, new byte[(int)lengthBytes], 0, (int)lengthBytes); // zero-page reads
            }
            blocks.add(handle);
            return "allocate " + lengthBytes;
        }
        if (kind < 7) {
            arena.free(blocks.remove(random.nextInt(blocks.size())));
            return "free";
        }
        if (kind == 7) {
            final long handle = blocks.get(random.nextInt(blocks.size()));
            final long lengthBytes = 1 + random.nextInt((int)(4 * segmentBytes));
            final long moved = arena.reallocate(handle, lengthBytes);
            blocks.set(blocks.indexOf(handle), moved);
            if (!zeroPageReads) {
                // the grown tail written too: a later reallocate copies it, reading it otherwise
                final byte[] bytes = new byte[(int)lengthBytes];
                java.util.Arrays.fill(bytes, (byte)0x6b);
                arena.put(moved, 0, bytes, 0, bytes.length);
            }
            return "reallocate " + lengthBytes;
        }
        if (kind == 8) {
            return "trim " + arena.trim(Long.MAX_VALUE);
        }
        if (kind == 9) {
            return random.nextBoolean() ? "pin " + arena.pin().state() : "unpin " + arena.unpin().state();
        }
        return "compact " + arena.compact().complete();
    }

    private Arena.Builder arena() {
        return Arena.builder().addressSpace(space).segmentBytes(segmentBytes).initialBytes(8 * segmentBytes)
            .maximumBytes(4096 * segmentBytes).inPlaceGrowth(false);
    }

    /** A monitor's reading: stats() then residency(). */
    private record Reading(ArenaStats stats, ArenaResidency residency) {
    }

    /** A monitor's next reading, or null once the arena is closed (refused, saying so). */
    private static Reading read(final Arena arena) {
        try {
            return new Reading(arena.stats(), arena.residency());
        } catch (final IllegalStateException closed) {
            assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
            return null;
        }
    }

    /** {vmaCount, Rss, Locked, AnonHugePages} of the arena's range, from the address space's smaps. */
    private List<Long> smaps(final ArenaStats stats) {
        return RangeSmaps.totals(space, stats);
    }
}
