package io.vmarena;

import io.vmarena.support.LiveBlocks;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Copying in and out of a block by handle ({@link Arena#put}, {@link Arena#get}) on every
 * address space: every byte round-trips through arrays and every kind of Agrona buffer, every
 * refusal says what was wrong and copies nothing, and in a shared arena a copy never sees
 * memory move while growth and compaction run (on the simulator a move poisons what it leaves,
 * on Linux it unmaps it). Also {@link Arena#wrap}'s refusal of a buffer that cannot point at an
 * address. The Linux backend and the simulator extend it.
 */
public abstract class ArenaCopyContract extends ArenaFixture {
    /** Small blocks of several classes, and runs of one and of several segments. */
    private long[] lengths() {
        return new long[] {1, 16, 100, 4096, segmentBytes / 4, segmentBytes + 1, 3 * segmentBytes + 5};
    }

    protected Arena.Builder arena() {
        return Arena.builder().name(getClass().getSimpleName()).addressSpace(space).segmentBytes(segmentBytes)
            .initialBytes(4 * segmentBytes).maximumBytes(512 * segmentBytes).retainedBytes(2 * segmentBytes);
    }

    @Test
    void shouldRoundTripEveryByteThroughArraysAndLeaveTheRestOfTheBlockAlone() {
        try (Arena arena = arena().build()) {
            for (final long lengthBytes : lengths()) {
                final long handle = arena.allocate(lengthBytes);
                final int capacity = (int)arena.capacity(handle);
                final byte[] before = pattern(capacity, lengthBytes);
                arena.put(handle, 0, before, 0, capacity);
                final int offset = capacity / 3;
                final int length = capacity - offset - capacity / 5;
                final byte[] source = pattern(length + 7, ~lengthBytes);

                arena.put(handle, offset, source, 7, length);

                final byte[] expected = before.clone();
                System.arraycopy(source, 7, expected, offset, length);
                assertArrayEquals(expected, viewBytes(arena, handle), "the block of " + lengthBytes + " bytes");
                final byte[] back = new byte[capacity + 3];
                arena.get(handle, 0, back, 3, capacity);
                assertArrayEquals(expected, Arrays.copyOfRange(back, 3, capacity + 3));
                assertArrayEquals(new byte[3], Arrays.copyOf(back, 3), "bytes before destinationOffset untouched");
                final byte[] middle = new byte[length];
                arena.get(handle, offset, middle, 0, length);
                assertArrayEquals(Arrays.copyOfRange(source, 7, 7 + length), middle);
                arena.free(handle);
            }
        }
    }

    @Test
    void shouldRoundTripEveryByteThroughEveryKindOfBuffer() {
        try (Arena arena = arena().build()) {
            for (final long lengthBytes : lengths()) {
                final long handle = arena.allocate(lengthBytes);
                final int capacity = (int)arena.capacity(handle);
                final byte[] bytes = pattern(capacity, lengthBytes * 31);
                for (final Supplier<MutableDirectBuffer> kind : bufferKinds(capacity + 5)) {
                    final MutableDirectBuffer source = kind.get();
                    source.putBytes(5, bytes);
                    arena.put(handle, 0, source, 5, capacity);
                    assertArrayEquals(bytes, viewBytes(arena, handle), source.getClass().getSimpleName());
                    arena.put(handle, 0, new byte[capacity], 0, capacity);

                    arena.put(handle, 0, source, 5, capacity);
                    final MutableDirectBuffer destination = kind.get();
                    arena.get(handle, 0, destination, 5, capacity);
                    final byte[] back = new byte[capacity];
                    destination.getBytes(5, back);
                    assertArrayEquals(bytes, back, destination.getClass().getSimpleName());
                    assertEquals(0, destination.getByte(4), "the byte before destinationOffset is untouched");
                }
                arena.free(handle);
            }
        }
    }

    @Test
    void shouldCopyBetweenTwoBlocksThroughAView() {
        try (Arena arena = arena().build()) {
            final long from = arena.allocate(3 * segmentBytes);
            final long to = arena.allocate(1000);
            final byte[] bytes = pattern(1000, 5);
            arena.put(from, segmentBytes, bytes, 0, 1000);
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            arena.wrap(view, from);

            arena.put(to, 0, view, (int)segmentBytes, 1000);

            final byte[] back = new byte[1000];
            arena.get(to, 0, back, 0, 1000);
            assertArrayEquals(bytes, back);
        }
    }

    @Test
    void shouldRefuseOutOfBoundsRangesNamingTheNumbersAndCopyNothing() {
        try (Arena arena = arena().build()) {
            for (final long lengthBytes : new long[] {100, 2 * segmentBytes}) {
                final long handle = arena.allocate(lengthBytes);
                final int capacity = (int)arena.capacity(handle);
                final byte[] inBlock = pattern(capacity, 9);
                arena.put(handle, 0, inBlock, 0, capacity);
                final byte[] array = new byte[capacity + 10];
                final UnsafeBuffer buffer = new UnsafeBuffer(new byte[capacity + 10]);

                refusedOutOfBlock(() -> arena.put(handle, 1, array, 0, capacity), "offset 1 and length " + capacity,
                    "block's " + capacity + " bytes");
                refusedOutOfBlock(() -> arena.get(handle, -1, array, 0, 4), "offset -1 and length 4", "block's");
                refusedOutOfBlock(() -> arena.put(handle, Long.MAX_VALUE, array, 0, 10), "offset " + Long.MAX_VALUE,
                    "block's");
                refusedOutOfBlock(() -> arena.get(handle, capacity, buffer, 0, 1), "offset " + capacity, "block's");
                refusedOutOfBlock(() -> arena.put(handle, 0, buffer, 0, capacity + 1), "length " + (capacity + 1),
                    "block's");
                refusedOutOfBlock(() -> arena.put(handle, 0, array, 0, -1), "sourceOffset 0 and length -1",
                    "source's " + (capacity + 10) + " bytes");
                refusedOutOfBlock(() -> arena.put(handle, 0, array, -3, 2), "sourceOffset -3 and length 2", "source's");
                refusedOutOfBlock(() -> arena.get(handle, 0, array, 11, capacity), "destinationOffset 11 and length "
                    + capacity, "destination's " + (capacity + 10) + " bytes");
                refusedOutOfBlock(() -> arena.get(handle, 0, array, Integer.MAX_VALUE, Integer.MAX_VALUE),
                    "destinationOffset " + Integer.MAX_VALUE, "destination's");
                refusedOutOfBlock(() -> arena.put(handle, 0, buffer, 11, capacity), "sourceOffset 11", "source's");
                refusedOutOfBlock(() -> arena.get(handle, 0, buffer, 1, capacity + 10), "destinationOffset 1",
                    "destination's");

                assertArrayEquals(inBlock, viewBytes(arena, handle), "no refused call wrote into the block");
                assertArrayEquals(new byte[capacity + 10], array, "no refused get wrote into the array");
                assertArrayEquals(new byte[capacity + 10], buffer.byteArray(), "no refused get wrote into the buffer");
                arena.put(handle, capacity - 1, array, capacity + 9, 1); // the last byte of each: accepted
                arena.get(handle, capacity, array, capacity + 10, 0); // empty, at the very end: accepted
            }
        }
    }

    @Test
    void shouldRefuseTheHandlesAddressRefusesWithTheSameReason() {
        try (Arena arena = arena().build(); Arena other = arena().build()) {
            final long freed = arena.allocate(100);
            arena.free(freed);
            final long freedRun = arena.allocate(2 * segmentBytes);
            arena.free(freedRun);
            final long stale = arena.allocate(64);
            arena.free(stale);
            final long reused = arena.allocate(64);
            final long others = other.allocate(100);
            final byte[] array = new byte[8];
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
            for (final long handle : new long[] {0, freed, freedRun, stale, others, -1L}) {
                final String reason = assertThrows(IllegalArgumentException.class, () -> arena.address(handle))
                    .getMessage().replace("address(", "(");
                sameRefusal(reason, "put", () -> arena.put(handle, 0, array, 0, 8));
                sameRefusal(reason, "get", () -> arena.get(handle, 0, array, 0, 8));
                sameRefusal(reason, "put", () -> arena.put(handle, 0, buffer, 0, 8));
                sameRefusal(reason, "get", () -> arena.get(handle, 0, buffer, 0, 8));
                sameRefusal(reason, "get", () -> arena.get(handle, 0, array, 0, 0)); // even with nothing to copy
            }
            arena.free(reused);
        }
    }

    @Test
    void shouldRefuseNullArraysAndBuffers() {
        try (Arena arena = arena().build()) {
            final long handle = arena.allocate(100);
            assertThrows(NullPointerException.class, () -> arena.put(handle, 0, (byte[])null, 0, 1));
            assertThrows(NullPointerException.class, () -> arena.get(handle, 0, (byte[])null, 0, 1));
            assertThrows(NullPointerException.class, () -> arena.put(handle, 0, (DirectBuffer)null, 0, 1));
            assertThrows(NullPointerException.class, () -> arena.get(handle, 0, (MutableDirectBuffer)null, 0, 1));
        }
    }

    @Test
    void shouldRefuseAClosedArenaAndAnotherThreadOfAConfinedOne() throws InterruptedException, ExecutionException {
        final Arena arena = arena().build();
        final long handle = arena.allocate(100);
        final byte[] array = new byte[8];
        final Throwable fromOtherThread = CompletableFuture.supplyAsync(() -> {
            try {
                arena.put(handle, 0, array, 0, 8);
                return null;
            } catch (final RuntimeException refused) {
                return refused;
            }
        }).get();
        assertInstanceOf(IllegalStateException.class, fromOtherThread);
        assertTrue(fromOtherThread.getMessage().contains("is confined to thread"), fromOtherThread.getMessage());
        arena.close();
        final IllegalStateException closed = assertThrows(IllegalStateException.class,
            () -> arena.get(handle, 0, array, 0, 8));
        assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
        final Arena shared = arena().threading(Threading.SHARED).build();
        final long sharedHandle = shared.allocate(100);
        shared.close();
        assertThrows(IllegalStateException.class, () -> shared.put(sharedHandle, 0, array, 0, 8));
    }

    @Test
    @SuppressWarnings("try") // the section is held for its effect
    void shouldCopyInsideTheCallersOwnSectionOfASharedArena() {
        try (Arena arena = arena().threading(Threading.SHARED).build()) {
            final long handle = arena.allocate(2 * segmentBytes);
            final byte[] bytes = pattern(500, 17);
            try (ReadSection section = arena.read()) {
                final long address = arena.address(handle);
                arena.put(handle, 100, bytes, 0, 500);
                final byte[] back = new byte[500];
                arena.get(handle, 100, back, 0, 500);
                assertArrayEquals(bytes, back);
                assertEquals(address, arena.address(handle));
            }
            assertFalse(arena.readSections().callerInside(), "the copy's nested section closed with the caller's");
            arena.compact(); // would be refused inside a section: none is left open
        }
    }

    /**
     * Workers write every byte of their own blocks with put and check every byte with get, from
     * arrays and buffers, and free and allocate blocks, while a mover grows the arena by moving it
     * (no in-place growth) and compacts it. Each worker runs its rounds and then on until the
     * mover has finished rounds of its own, so the two overlap without any timing.
     */
    @Test
    void shouldNeverCopyWhileMemoryMovesInASharedArena() throws InterruptedException {
        final int workers = 2;
        final int workerRounds = Integer.getInteger("vmarena.copy.rounds", 1_000);
        final int moverRounds = 30;
        try (Arena arena = arena().threading(Threading.SHARED).inPlaceGrowth(false).build()) {
            final AtomicInteger moved = new AtomicInteger();
            final AtomicInteger workersDone = new AtomicInteger();
            final AtomicLong checked = new AtomicLong();
            final StressThreads threads = new StressThreads();
            for (int worker = 0; worker < workers; worker++) {
                final CopyWorker copyWorker = new CopyWorker(arena, segmentBytes);
                threads.add("copier-" + worker, 300 + worker, random -> {
                    if (copyWorker.rounds == workerRounds && moved.get() >= moverRounds) {
                        copyWorker.rounds++;
                        copyWorker.freeAll();
                        workersDone.incrementAndGet();
                    } else if (copyWorker.rounds <= workerRounds) {
                        checked.addAndGet(copyWorker.round(random));
                    } else {
                        Thread.yield();
                    }
                });
            }
            final List<Long> grown = new ArrayList<>();
            threads.add("mover", 400, random -> {
                if (workersDone.get() == workers) {
                    Thread.yield();
                    return;
                }
                grown.add(arena.allocate((4 + random.nextInt(8)) * segmentBytes)); // past the free places: a move
                if (grown.size() > 3) {
                    grown.forEach(arena::free);
                    grown.clear();
                    arena.compact();
                }
                moved.incrementAndGet();
            });
            threads.start();
            while (workersDone.get() < workers && !threads.failed()) {
                Thread.yield();
            }
            threads.stopAndJoin();
            final ArenaStats stats = arena.stats();
            assertTrue(stats.moves() > 0, "the arena moved while the workers copied: " + stats);
            assertTrue(checked.get() > 0, "the workers checked bytes");
        }
    }

    @Test
    void shouldRefuseToWrapABufferThatCannotPointAtAnAddressSayingWhichCan() {
        try (Arena arena = arena().build()) {
            for (final long handle : new long[] {arena.allocate(100), arena.allocate(2 * segmentBytes)}) {
                for (final MutableDirectBuffer view : new MutableDirectBuffer[] {new ExpandableDirectByteBuffer(64),
                    new ExpandableArrayBuffer(64)}) {
                    final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> arena.wrap(view, handle));
                    assertTrue(refused.getMessage().contains(view.getClass().getName())
                        && refused.getMessage().contains("UnsafeBuffer"), refused.getMessage());
                    assertInstanceOf(UnsupportedOperationException.class, refused.getCause());
                }
            }
        }
    }

    /** A worker's own blocks: each round rewrites one with put and checks it with get, or replaces one. */
    private static final class CopyWorker {
        private final Arena arena;
        private final long segmentBytes;
        private final long[] handles = new long[8];
        private final long[] seeds = new long[8];
        private final byte[] written;
        private final byte[] read;
        private final UnsafeBuffer heapBuffer;
        private final UnsafeBuffer directBuffer;
        int rounds;

        CopyWorker(final Arena arena, final long segmentBytes) {
            this.arena = arena;
            this.segmentBytes = segmentBytes;
            this.written = new byte[(int)(2 * segmentBytes)];
            this.read = new byte[written.length];
            this.heapBuffer = new UnsafeBuffer(new byte[written.length]);
            this.directBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(written.length));
        }

        /** One round; returns the bytes it checked. */
        long round(final SplittableRandom random) {
            rounds++;
            final int index = random.nextInt(handles.length);
            if (handles[index] == 0 || random.nextInt(8) == 0) {
                if (handles[index] != 0) {
                    arena.free(handles[index]);
                }
                handles[index] = arena.allocate(random.nextInt(4) == 0 ? segmentBytes + random.nextLong(segmentBytes)
                    : 1 + random.nextLong(segmentBytes / 4));
                seeds[index] = random.nextLong();
                final int capacity = (int)arena.capacity(handles[index]);
                fill(written, capacity, seeds[index]);
                arena.put(handles[index], 0, written, 0, capacity);
            }
            final long handle = handles[index];
            final int capacity = (int)arena.capacity(handle);
            fill(written, capacity, seeds[index]);
            final int offset = random.nextInt(capacity);
            final int length = capacity - offset;
            if (random.nextBoolean()) {
                arena.get(handle, 0, read, 0, capacity);
                assertEquals(-1, Arrays.mismatch(written, 0, capacity, read, 0, capacity), "the first differing byte");
            } else {
                final MutableDirectBuffer buffer = random.nextBoolean() ? heapBuffer : directBuffer;
                arena.get(handle, offset, buffer, 0, length);
                for (int at = 0; at < length; at++) {
                    if (buffer.getByte(at) != written[offset + at]) {
                        throw new AssertionError("byte " + (offset + at) + " of " + capacity + " differs");
                    }
                }
            }
            seeds[index] = random.nextLong();
            fill(written, capacity, seeds[index]);
            if (random.nextBoolean()) {
                arena.put(handle, 0, written, 0, capacity);
            } else {
                directBuffer.putBytes(0, written, 0, capacity);
                arena.put(handle, 0, directBuffer, 0, capacity);
            }
            return capacity;
        }

        void freeAll() {
            for (int index = 0; index < handles.length; index++) {
                if (handles[index] != 0) {
                    arena.free(handles[index]);
                    handles[index] = 0;
                }
            }
        }

        private static void fill(final byte[] bytes, final int length, final long seed) {
            for (int index = 0; index < length; index++) {
                bytes[index] = LiveBlocks.patternByte(seed, index);
            }
        }
    }

    private static List<Supplier<MutableDirectBuffer>> bufferKinds(final int capacity) {
        return List.of(() -> new UnsafeBuffer(new byte[capacity]), () -> new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity)), () -> new UnsafeBuffer(ByteBuffer.allocate(capacity + 9), 9, capacity),
            () -> new ExpandableArrayBuffer(capacity), () -> new ExpandableDirectByteBuffer(capacity));
    }

    private static void refusedOutOfBlock(final Executable call, final String numbers, final String what) {
        final IndexOutOfBoundsException refused = assertThrows(IndexOutOfBoundsException.class, call);
        assertTrue(refused.getMessage().contains(numbers) && refused.getMessage().contains(what)
            && refused.getMessage().contains("nothing was copied"), refused.getMessage());
    }

    private static void sameRefusal(final String reason, final String operation, final Executable call) {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, call);
        assertEquals(reason, refused.getMessage().replace(operation + "(", "("));
    }

    /** Every byte of the block's capacity, read through a view. */
    private static byte[] viewBytes(final Arena arena, final long handle) {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        arena.wrap(view, handle);
        final byte[] bytes = new byte[view.capacity()];
        view.getBytes(0, bytes);
        return bytes;
    }

    private static byte[] pattern(final int length, final long seed) {
        final byte[] bytes = new byte[length];
        for (int index = 0; index < length; index++) {
            bytes[index] = LiveBlocks.patternByte(seed, index);
        }
        return bytes;
    }
}
