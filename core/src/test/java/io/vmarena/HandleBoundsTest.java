package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handle guarantees at their bounds, on a heap whose generation is a few bits wide so that a
 * slot, a segment and a run head go through their whole generation cycle in a few thousand
 * calls. {@link HandleGuaranteesTest} checks the same bounds at the real width through the
 * public API.
 */
class HandleBoundsTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final int TAG = 5;

    private SimulatedAddressSpace space;
    private final List<ArenaRange> ranges = new ArrayList<>();

    @BeforeEach
    void open() {
        space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
    }

    @AfterEach
    void close() {
        ranges.forEach(range -> range.close(List.of(new long[] {0, range.reservedBytes()})));
        space.close();
    }

    /** A heap of two segments at most, whose handles have {@code generationBits} of generation. */
    private BlockHeap heap(final int generationBits, final boolean checked) {
        return heap(generationBits, checked, TAG);
    }

    private BlockHeap heap(final int generationBits, final boolean checked, final int tag) {
        final ArenaRange range = new ArenaRange("bounds", space, MoveGate.NONE, SEGMENT_BYTES, 2 * SEGMENT_BYTES, true,
            failure -> { });
        ranges.add(range);
        final SegmentTable table = new SegmentTable(2, 2);
        final Segments segments = new Segments("bounds", new Places(2), range, SEGMENT_BYTES, 2 * SEGMENT_BYTES, 0);
        final HandleCodec codec = new HandleCodec(2, SEGMENT_BYTES / SizeClasses.MIN_BYTES, generationBits);
        return new BlockHeap(range, table, segments, codec, tag, checked, SEGMENT_BYTES);
    }

    private static HandleCodec codec(final int generationBits) {
        return new HandleCodec(2, SEGMENT_BYTES / SizeClasses.MIN_BYTES, generationBits);
    }

    @Test
    void shouldRetireASlotAtItsLastGenerationAndRefuseEveryHandleItGaveOut() {
        final HandleCodec codec = codec(3); // generations 1 to 7: a slot hands out 7 handles
        final BlockHeap heap = heap(3, true);
        final long keeper = heap.allocate(64); // slot 0 stays live: the segment stays in use
        final List<Long> handles = new ArrayList<>();
        long handle = heap.allocate(64);
        while (codec.slot(handle) == 1) {
            handles.add(handle);
            assertEquals(0, heap.free(handle));
            handle = heap.allocate(64);
        }
        assertEquals(7, handles.size(), "a slot retires after 2^3 - 1 handles");
        assertEquals(2, codec.slot(handle), "the next block comes from the next slot");
        for (int index = 0; index < 6; index++) {
            assertEquals(BlockHeap.STALE, heap.check(handles.get(index)), "handle " + index);
            assertEquals(BlockHeap.STALE, heap.free(handles.get(index)), "handle " + index);
            assertEquals(BlockHeap.STALE, heap.addressOf(handles.get(index)), "handle " + index);
        }
        assertEquals(BlockHeap.FREED, heap.check(handles.get(6)), "the slot's last handle: a double free");
        assertEquals(BlockHeap.FREED, heap.free(handles.get(6)));
        assertEquals(0, heap.free(keeper));
        assertEquals(0, heap.free(handle));
    }

    /**
     * The exact bound: a stale handle is accepted again only once its slot's generation has
     * advanced by 2^G - 1. Here slot 0 of segment 0 hands out generations f to f+6 and retires;
     * the segment is given back and its floor moves past them, +7: once round, back at f. A run
     * headed there gets generation f and serial 0 as slot: the slot's first handle. Freed, and
     * the segment's next class use starts one further on, at f+1: the slot's second handle.
     * Each came back exactly 7 generations after it was handed out.
     */
    @Test
    void shouldRefuseAStaleHandleUntilItsSlotsGenerationHasGoneRoundOnce() {
        final HandleCodec codec = codec(3);
        final BlockHeap heap = heap(3, true);
        final List<Long> handles = new ArrayList<>();
        long handle = heap.allocate(64);
        while (codec.slot(handle) == 0) {
            handles.add(handle);
            heap.free(handle);
            handle = heap.allocate(64);
        }
        heap.free(handle); // slot 1: the segment holds no live block, slot 0 is retired
        assertEquals(7, handles.size());
        final long run = heap.allocate(2 * SEGMENT_BYTES); // gives the empty current segment back
        assertEquals(handles.get(0), run, "8 handles later the floor has gone round: the bound is exact");
        for (int index = 1; index < 7; index++) {
            assertEquals(BlockHeap.STALE, heap.check(handles.get(index)), "handle " + index + ": segment 0 heads a run");
        }
        assertEquals(0, heap.free(run));

        final long next = heap.allocate(64);
        assertEquals(handles.get(1), next, "9 handles later the generation has gone round: the bound is exact");
        assertEquals(0, heap.check(handles.get(1)), "and the stale handle is accepted, as the bound says");
        for (int index = 0; index < 7; index++) {
            if (index != 1) {
                assertEquals(BlockHeap.STALE, heap.check(handles.get(index)), "handle " + index);
            }
        }
    }

    /**
     * A run's handle carries its head's run serial as slot, and the head's generation moves on
     * only when the serial wraps: a run's handle comes back after (2^G - 1) * 2^slotBits runs
     * headed there, not after 2^G - 1.
     */
    @Test
    void shouldHandARunsHandleOutAgainOnlyAfterEverySerialOfEveryGeneration() {
        final HandleCodec codec = codec(2); // 3 generations, 4,096 serials
        final BlockHeap heap = heap(2, true);
        final long first = heap.allocate(SEGMENT_BYTES);
        assertEquals(0, heap.free(first));
        final int cycle = codec.maxGeneration() * ((int)codec.slotMask() + 1);
        for (int run = 1; run < cycle; run++) {
            final long handle = heap.allocate(SEGMENT_BYTES);
            assertNotEquals(first, handle, "run " + run);
            assertEquals(BlockHeap.STALE, heap.check(first), "run " + run);
            assertEquals(0, heap.free(handle));
        }
        assertEquals(first, heap.allocate(SEGMENT_BYTES), "after 3 * 4,096 runs the first handle is handed out again");
    }

    /**
     * Unchecked, blocks keep no generation of their own: a freed block's handle is handed out
     * again at once, and only a handle from an earlier use of its segment is refused.
     */
    @Test
    void shouldCatchOnlyAnEarlierUseOfTheSegmentWhenUnchecked() {
        final HandleCodec codec = codec(3);
        final BlockHeap heap = heap(3, false);
        final long first = heap.allocate(64);
        assertEquals(0, heap.free(first));
        final long again = heap.allocate(64);
        assertEquals(first, again, "the same slot, the same handle");
        assertEquals(0, heap.free(again));
        assertEquals(0, heap.free(heap.allocate(2 * SEGMENT_BYTES))); // the segment goes back, a run passes
        final long later = heap.allocate(64);
        assertEquals(codec.slot(first), codec.slot(later));
        assertEquals(BlockHeap.STALE, heap.check(first), "a handle of the segment's earlier use");
    }

    @Test
    void shouldTellAnotherArenasHandleFromAStaleOne() {
        final HandleCodec codec = codec(3);
        final BlockHeap heap = heap(3, true);
        final long own = heap.allocate(64);
        final long foreign = codec.encode(TAG + 1, codec.segmentIndex(own), codec.slot(own), codec.generation(own));
        assertEquals(BlockHeap.OTHER_ARENA, heap.check(foreign));
        assertEquals(BlockHeap.OTHER_ARENA, heap.addressOf(foreign));
        assertEquals(BlockHeap.OTHER_ARENA, heap.free(foreign));
        assertEquals(0, heap.check(own));
        final long run = heap.allocate(SEGMENT_BYTES);
        assertEquals(BlockHeap.OTHER_ARENA,
            heap.check(codec.encode(TAG + 1, codec.segmentIndex(run), codec.slot(run), codec.generation(run))));
        assertTrue(heap.check(run) >= 0);
    }

    /**
     * A retired slot matches no handle on the fast paths either, not even one whose generation
     * bits are 0 (no handle is issued with generation 0): in an arena of tag 0 the null handle
     * names slot 0 of segment 0, and once that slot retired, address(0) was accepted as a live
     * block. The slow path's verdicts are the answer on every path.
     */
    @Test
    void shouldRefuseTheNullHandleAndGenerationZeroWhenTheirSlotRetired() {
        final HandleCodec codec = codec(3);
        for (final int tag : new int[] {0, TAG}) {
            final BlockHeap heap = heap(3, true, tag);
            long handle = heap.allocate(64);
            for (int handed = 0; handed < codec.maxGeneration(); handed++) {
                assertEquals(0, codec.slot(handle), "tag " + tag + ": slot 0 hands out 2^3 - 1 handles");
                assertEquals(0, heap.free(handle));
                handle = heap.allocate(64);
            }
            assertEquals(1, codec.slot(handle), "tag " + tag + ": slot 0 retired, segment 0 still in use");
            final long generationZero = codec.encode(tag, 0, 0, 0);
            final int verdict = tag == 0 ? BlockHeap.NULL_HANDLE : BlockHeap.STALE;
            assertEquals(verdict, heap.check(generationZero), "tag " + tag);
            assertEquals(verdict, heap.addressOf(generationZero), "tag " + tag);
            assertEquals(verdict, heap.liveHandle(generationZero), "tag " + tag);
            assertEquals(verdict, heap.free(generationZero), "tag " + tag);
            assertTrue(!heap.resolvesOnFastPath(generationZero), "tag " + tag);
            assertEquals(0, heap.free(handle));
        }
    }
}
