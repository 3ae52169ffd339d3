package io.vmarena;

import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stats() on every address space: its memory figures agree with the address space's smaps
 * (Linux's, or the simulator's) after every step of a random sequence of the calls that change
 * them, and a confined arena answers a monitoring thread without failing or waiting, however its
 * owner races it.
 */
public abstract class StatsContract extends ArenaFixture {
    /** Owner steps while a monitor calls stats() in a loop. */
    private static final int RACED_STEPS = 400;

    /** Random allocate, free, write, read, trim, pin, unpin, compact and growth by moving. */
    @Test
    void shouldAgreeWithTheAddressSpacesSmapsAfterEveryRandomStep() {
        final long seed = System.nanoTime();
        System.out.println(getClass().getSimpleName() + " seed " + seed);
        final Random random = new Random(seed);
        try (Arena arena = arena().build()) {
            final List<Long> blocks = new ArrayList<>();
            for (int step = 0; step < 120; step++) {
                final String what = step(arena, blocks, random);
                final ArenaStats stats = arena.stats();
                assertEquals(smaps(stats), List.of(stats.vmaCount(), stats.residentBytes(), stats.lockedBytes(),
                    stats.hugePageBytes()), "seed " + seed + ", step " + step + ": " + what + ": " + stats);
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
                    final ArenaStats stats;
                    try {
                        stats = arena.stats();
                    } catch (final IllegalStateException closed) {
                        assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
                        return;
                    }
                    reads[0]++;
                    firstRead.countDown();
                    saneFigures(stats);
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
                step(arena, blocks, random);
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
                step(arena, blocks, random);
            }
            final ArenaStats owners = arena.stats();
            assertEquals(owners, CompletableFuture.supplyAsync(arena::stats).get(),
                "an idle owner's figures, forecast included (the owner's last stats() made it)");
        }
    }

    @Test
    void shouldRefuseAMonitorOnceTheArenaIsClosed() throws Exception {
        final Arena arena = arena().build();
        arena.close();
        final Throwable refused = CompletableFuture.supplyAsync(
            () -> assertThrows(IllegalStateException.class, arena::stats)).get();
        assertTrue(refused.getMessage().contains("is closed"), refused.getMessage());
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
    }

    /** One random change: growth moves (in-place growth is off), compaction shrinks the range again. */
    private String step(final Arena arena, final List<Long> blocks, final Random random) {
        final int kind = random.nextInt(12);
        if (kind < 4 || blocks.isEmpty()) {
            final long lengthBytes = random.nextBoolean() ? 1 + random.nextInt(4096)
                : segmentBytes + random.nextInt((int)(6 * segmentBytes));
            final long handle = arena.allocate(lengthBytes);
            if (random.nextInt(4) != 0) {
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
            blocks.set(blocks.indexOf(handle), arena.reallocate(handle, lengthBytes));
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

    /** {vmaCount, Rss, Locked, AnonHugePages} of the arena's range, from the address space's smaps. */
    private List<Object> smaps(final ArenaStats stats) {
        long residentBytes = 0;
        long lockedBytes = 0;
        long hugePageBytes = 0;
        final List<Mapping> mappings = space.mappings(stats.baseAddress(), stats.baseAddress() + stats.reservedBytes(),
            MappingSource.SMAPS);
        for (final Mapping mapping : mappings) {
            residentBytes += mapping.residentPages() * space.pageSize();
            lockedBytes += mapping.lockedPages() * space.pageSize();
            hugePageBytes += mapping.anonHugePageBytes();
        }
        return List.of(mappings.size(), residentBytes, lockedBytes, hugePageBytes);
    }
}
