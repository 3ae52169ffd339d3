package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to every public method: each gets an exception that says what was wrong, and the
 * arena stays usable with its blocks intact afterwards.
 */
class ArenaBadInputTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    private SimulatedAddressSpace space;
    private Arena arena;
    private long live;

    @BeforeEach
    void open() {
        space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
        arena = builder().name("bad-input").build();
        live = arena.allocate(64);
        arena.wrap(view(), live);
    }

    @AfterEach
    void close() {
        arena.close();
        space.close();
    }

    private Arena.Builder builder() {
        return Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).initialBytes(4 * SEGMENT_BYTES)
            .maximumBytes(64 * SEGMENT_BYTES);
    }

    private static UnsafeBuffer view() {
        return new UnsafeBuffer(0, 0);
    }

    /** The call fails with {@code type} and a message naming {@code words}; the arena still works. */
    private <T extends RuntimeException> void refused(final Class<T> type, final Executable call,
        final String... words) {
        final T failure = assertThrows(type, call);
        for (final String word : words) {
            assertTrue(failure.getMessage().contains(word), () -> "'" + word + "' missing from: " + failure.getMessage());
        }
        stillUsable();
    }

    private void stillUsable() {
        final UnsafeBuffer buffer = view();
        arena.wrap(buffer, live);
        buffer.putLong(0, 0x1234_5678L);
        final long another = arena.allocate(100);
        arena.free(another);
        arena.wrap(buffer, live);
        assertEquals(0x1234_5678L, buffer.getLong(0));
    }

    @Test
    void shouldRefuseLengthsThatAreNotPositiveOrExceedTheMaximum() {
        for (final long lengthBytes : new long[] {0, -1, Long.MIN_VALUE, 64 * SEGMENT_BYTES + 1, Long.MAX_VALUE}) {
            refused(IllegalArgumentException.class, () -> arena.allocate(lengthBytes), "cannot allocate "
                + lengthBytes, "1 to the arena's maximum size");
            refused(IllegalArgumentException.class, () -> arena.reallocate(live, lengthBytes), "cannot allocate");
        }
    }

    @Test
    void shouldRefuseToGrowPastTheMaximumAndStayUsable() {
        final long big = arena.allocate(40 * SEGMENT_BYTES);
        refused(ArenaFullException.class, () -> arena.allocate(30 * SEGMENT_BYTES), "more than its maximum",
            "free blocks");
        arena.free(big);
        arena.free(arena.allocate(60 * SEGMENT_BYTES));
    }

    @Test
    void shouldRefuseTheNullHandleEverywhere() {
        for (final Executable call : callsWith(0)) {
            refused(IllegalArgumentException.class, call, "the null handle");
        }
    }

    @Test
    void shouldRefuseForgedHandlesEverywhere() {
        for (final long forged : new long[] {-1, Long.MIN_VALUE, 1, live + 1, live ^ (1L << 20), Long.MAX_VALUE}) {
            for (final Executable call : callsWith(forged)) {
                refused(IllegalArgumentException.class, call, "(" + forged + ")");
            }
        }
    }

    @Test
    void shouldRefuseADoubleFreeAndAFreedHandleEverywhere() {
        final long handle = arena.allocate(64);
        arena.free(handle);
        for (final Executable call : callsWith(handle)) {
            refused(IllegalArgumentException.class, call, "freed");
        }
    }

    @Test
    void shouldRefuseAStaleHandleInCheckedMode() {
        final long handle = arena.allocate(64);
        final long address = arena.address(handle);
        arena.free(handle);
        final long reused = arena.allocate(64);
        assertEquals(address, arena.address(reused), "the same block");
        for (final Executable call : callsWith(handle)) {
            refused(IllegalArgumentException.class, call, "stale");
        }
    }

    @Test
    void shouldRefuseAnotherArenasHandle() {
        try (Arena other = builder().name("other").build()) {
            final long foreign = other.allocate(64);
            // 12 slot bits (4,096 blocks of 16 bytes), 6 segment bits (64 segments), 16 generation bits.
            final long withoutTag = (1L << 34) - 1;
            assertEquals(live & withoutTag, foreign & withoutTag, "the same block and generation in the same geometry");
            for (final Executable call : callsWith(foreign)) {
                refused(IllegalArgumentException.class, call, "another arena");
            }
        }
    }

    @Test
    void shouldStillRefuseFreedAndForgedHandlesWithoutCheckedMode() {
        try (Arena unchecked = builder().checked(false).build()) {
            final long handle = unchecked.allocate(64);
            unchecked.free(handle);
            final IllegalArgumentException doubleFree = assertThrows(IllegalArgumentException.class,
                () -> unchecked.free(handle));
            assertTrue(doubleFree.getMessage().contains("freed"), doubleFree.getMessage());
            assertThrows(IllegalArgumentException.class, () -> unchecked.address(Long.MAX_VALUE));
            final long reused = unchecked.allocate(64);
            assertEquals(reused, handle, "without generations a reused block has the same handle");
        }
    }

    @Test
    void shouldRefuseANegativeTrim() {
        refused(IllegalArgumentException.class, () -> arena.trim(-1), "must not be negative");
    }

    /** Every call but stats(), which answers any thread (see Arena#stats and StatsContract). */
    @Test
    void shouldRefuseEveryOtherThreadInAConfinedArenaButStats() throws Exception {
        for (final Executable call : everyCall()) {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread thread = new Thread(() -> {
                try {
                    call.execute();
                } catch (final Throwable thrown) {
                    failure.set(thrown);
                }
            }, "intruder");
            thread.start();
            thread.join();
            assertTrue(failure.get() instanceof IllegalStateException, () -> "got " + failure.get());
            assertTrue(failure.get().getMessage().contains("confined to thread '" + Thread.currentThread().getName()
                + "', and 'intruder' called it"), failure.get().getMessage());
        }
        final ArenaStats owners = arena.stats();
        final AtomicReference<Object> monitored = new AtomicReference<>();
        final Thread monitor = new Thread(() -> {
            try {
                monitored.set(arena.stats());
            } catch (final Throwable thrown) {
                monitored.set(thrown);
            }
        }, "monitor");
        monitor.start();
        monitor.join();
        assertEquals(owners, monitored.get(), "another thread reads an idle owner's stats");
        stillUsable();
    }

    @Test
    void shouldRefuseEveryCallOnAClosedArenaButClose() {
        final Arena closed = builder().name("closed").build();
        final long handle = closed.allocate(64);
        closed.close();
        for (final Executable call : new Executable[] {() -> closed.allocate(64), () -> closed.free(handle),
            () -> closed.reallocate(handle, 128), () -> closed.address(handle), () -> closed.capacity(handle),
            () -> closed.wrap(view(), handle), () -> closed.trim(0), closed::stats, closed::read}) {
            final IllegalStateException failure = assertThrows(IllegalStateException.class, call);
            assertTrue(failure.getMessage().contains("arena 'closed' is closed"), failure.getMessage());
        }
        closed.close();
    }

    @Test
    void shouldRefuseChangesFromInsideASharedArenasReadSection() {
        try (Arena shared = builder().threading(Threading.SHARED).build()) {
            final long handle = shared.allocate(64);
            try (ReadSection section = shared.read()) {
                for (final Executable call : new Executable[] {() -> shared.allocate(64), () -> shared.free(handle),
                    () -> shared.reallocate(handle, 128), () -> shared.trim(0), shared::close}) {
                    final IllegalStateException failure = assertThrows(IllegalStateException.class, call);
                    assertTrue(failure.getMessage().contains("from inside a read section"), failure.getMessage());
                }
                assertNotEquals(0, shared.address(handle), "reading is what a section is for");
            }
            shared.free(handle);
        }
    }

    @Test
    void shouldRefuseSettingsOutOfRangeSayingWhich() {
        assertBuildRefused(Arena.builder().addressSpace(space).segmentBytes(3 * SEGMENT_BYTES), "segmentBytes must be "
            + "a power of two");
        assertBuildRefused(Arena.builder().addressSpace(space).segmentBytes(space.pageSize() / 2), "a multiple of the "
            + "page size (" + space.pageSize() + ")");
        assertBuildRefused(builder().initialBytes(0), "initialBytes must be positive");
        assertBuildRefused(builder().initialBytes(128 * SEGMENT_BYTES), "must not exceed maximumBytes");
        assertBuildRefused(builder().maximumBytes(-5), "maximumBytes must be positive");
        assertBuildRefused(builder().maximumBytes(Long.MAX_VALUE), "too large");
        assertBuildRefused(builder().retainedBytes(-2), "retainedBytes must not be negative");
        assertThrows(NullPointerException.class, () -> builder().name(null));
        assertThrows(NullPointerException.class, () -> builder().threading(null));
    }

    /**
     * Issue 9: segments of 2^36 bytes built and then failed with ArrayIndexOutOfBoundsException
     * (2^32 blocks of 16 bytes do not fit an int), 2^33 ran out of heap on the first allocate (a
     * generation per 16-byte block). The largest segment the bookkeeping keeps small is the bound.
     */
    @Test
    void shouldRefuseSegmentsTooLargeForTheirBookkeepingAtBuild() {
        for (final long segmentBytes : new long[] {ArenaGeometry.MAX_SEGMENT_BYTES << 1, 1L << 33, 1L << 36,
            1L << 62}) {
            assertBuildRefused(Arena.builder().addressSpace(space).segmentBytes(segmentBytes), "segmentBytes must be "
                + "at most " + ArenaGeometry.MAX_SEGMENT_BYTES);
        }
        final long largest = ArenaGeometry.MAX_SEGMENT_BYTES;
        try (Arena large = Arena.builder().addressSpace(space).segmentBytes(largest).initialBytes(largest)
            .maximumBytes(2 * largest).build()) {
            large.free(large.allocate(1));
        }
    }

    private static void assertBuildRefused(final Arena.Builder builder, final String words) {
        final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(failure.getMessage().contains(words), failure.getMessage());
    }

    private Executable[] callsWith(final long handle) {
        return new Executable[] {() -> arena.free(handle), () -> arena.reallocate(handle, 128),
            () -> arena.address(handle), () -> arena.capacity(handle), () -> arena.wrap(view(), handle)};
    }

    private Executable[] everyCall() {
        return new Executable[] {() -> arena.allocate(64), () -> arena.free(live), () -> arena.reallocate(live, 128),
            () -> arena.address(live), () -> arena.capacity(live), () -> arena.wrap(view(), live),
            () -> arena.trim(0), arena::read, arena::close};
    }

    @Test
    void shouldLetAnotherThreadUseASharedArena() throws ExecutionException, InterruptedException {
        try (Arena shared = builder().threading(Threading.SHARED).build()) {
            final long handle = CompletableFuture.supplyAsync(() -> shared.allocate(64)).get();
            try (ReadSection section = shared.read()) {
                assertEquals(64, shared.capacity(handle));
            }
            shared.free(handle);
        }
    }
}
