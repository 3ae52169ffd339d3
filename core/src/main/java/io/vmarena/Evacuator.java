package io.vmarena;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Evacuation: the live blocks of a size class's sparse segments (live share below the
 * threshold) are copied into the fullest segments of the class, so the sparse ones empty and go
 * back to the arena (tcmalloc's Temeraire fills the fullest first for the same reason: the
 * fewest segments stay in use). Per class, segments are ranked by live blocks; the sparsest is
 * evacuated while the fullest ones (the class's current segment always among them) have room
 * for its blocks, else the next fullest joins the destinations, until the two ends meet.
 *
 * <p>Each copied block's old handle is forwarded to its new one through its old segment's
 * {@link Forwarding}, unless a {@link RelocationListener} takes the new handle (the forward is
 * dropped when it returns normally; kept when it throws, and the evacuation stops there).
 */
final class Evacuator {
    private final BlockHeap heap;
    private final SegmentTable table;
    private final SmallBlocks smallBlocks;
    private final ArenaRange range;
    private final int segmentShift;
    private final RelocationListener listener;
    /**
     * With a listener: the handles that forwards kept because the listener threw lead to (the
     * caller may hold only the old handle). When such a block is evacuated again, its forward is
     * kept too, even if the listener returns normally, so the old handle's chain still ends at the
     * block; compaction's clean-up shortens the chain.
     */
    private final LongHashSet keptTargets = new LongHashSet();

    long copiedBytes;
    long evacuatedBlocks;
    int evacuatedSegments;

    Evacuator(final BlockHeap heap, final ArenaRange range, final long segmentBytes, final RelocationListener listener) {
        this.heap = heap;
        this.table = heap.table();
        this.smallBlocks = heap.smallBlocks();
        this.range = range;
        this.segmentShift = Long.numberOfTrailingZeros(segmentBytes);
        this.listener = listener;
    }

    /**
     * Ends forwards whose block is gone (freed through its new handle) and shortens chains
     * (a block evacuated twice); releases forwarded ids with no forward left.
     */
    void purgeForwards() {
        keptTargets.removeIf(target -> heap.check(target) < 0); // freed since: no chain leads on from there
        for (int id = 0; id < table.idCapacity(); id++) {
            final Forwarding forward = table.forwarding[id];
            if (forward == null) {
                continue;
            }
            final Long2LongHashMap targets = forward.targets();
            final long[] oldHandles = new long[targets.size()];
            int count = 0;
            for (final Long2LongHashMap.KeyIterator keys = targets.keySet().iterator(); keys.hasNext(); ) {
                oldHandles[count++] = keys.nextValue();
            }
            for (int index = 0; index < count; index++) {
                final long live = heap.resolve(targets.get(oldHandles[index]));
                if (live < 0) {
                    targets.remove(oldHandles[index]);
                } else {
                    targets.put(oldHandles[index], live);
                }
            }
            if (forward.isEmpty()) {
                if (table.state[id] == SegmentTable.FORWARDED) {
                    table.release(id);
                } else {
                    table.forwarding[id] = null;
                }
            }
        }
    }

    /** Whether any class has a segment evacuation would empty now. */
    boolean hasWork(final double threshold) {
        return !plan(threshold, Long.MAX_VALUE).isEmpty();
    }

    /** Bytes of the segments evacuation would empty now (for the forecast). */
    int segmentsToEvacuate(final double threshold) {
        return plan(threshold, Long.MAX_VALUE).size();
    }

    /**
     * Evacuates sparse segments, one at a time, until none is left or {@code deadlineNanos}
     * ({@link System#nanoTime}) passes; always one at least, so that slices of any budget get
     * there (a budget spent before the first segment would otherwise never evacuate any).
     *
     * @return whether it finished (no sparse segment with room for its blocks is left)
     */
    boolean evacuate(final double threshold, final long deadlineNanos) {
        boolean first = true;
        for (final int[] source : plan(threshold, deadlineNanos)) {
            if (!first && System.nanoTime() > deadlineNanos) {
                return false;
            }
            first = false;
            evacuate(source[0], destinations(source));
        }
        return true;
    }

    /** The destinations a plan entry names (after the source id), fullest first. */
    private static int[] destinations(final int[] source) {
        return java.util.Arrays.copyOfRange(source, 1, source.length);
    }

    /**
     * For each sparse segment to evacuate, in order: {source id, destination ids fullest first}.
     * Sparsest first per class; a destination is never a source.
     */
    private List<int[]> plan(final double threshold, final long deadlineNanos) {
        final List<int[]> plan = new ArrayList<>();
        if (threshold <= 0) {
            return plan;
        }
        final List<List<SlotMap>> byClass = new ArrayList<>();
        for (int id = 0; id < table.idCapacity(); id++) {
            if (table.state[id] != SegmentTable.CLASS) {
                continue;
            }
            final SlotMap slotMap = table.slotMaps[id];
            while (byClass.size() <= slotMap.sizeClass()) {
                byClass.add(new ArrayList<>());
            }
            byClass.get(slotMap.sizeClass()).add(slotMap);
        }
        for (final List<SlotMap> maps : byClass) {
            if (maps.size() < 2) {
                continue;
            }
            // Current first (allocation fills it anyway), then fullest first.
            maps.sort(Comparator.comparing((SlotMap map) -> !smallBlocks.isCurrent(map))
                .thenComparing(Comparator.comparingInt(SlotMap::liveCount).reversed()));
            int destinationEnd = 1; // maps[0, destinationEnd) are destinations
            long room = room(maps.get(0));
            int sourceIndex = maps.size() - 1;
            while (sourceIndex >= destinationEnd) {
                final SlotMap source = maps.get(sourceIndex);
                if (smallBlocks.isCurrent(source) || source.liveCount() >= threshold * source.slotCount()) {
                    break; // ranked by live blocks: every map before it is at least as full
                }
                if (room >= source.liveCount()) {
                    final int[] entry = new int[destinationEnd + 1];
                    entry[0] = source.segmentIndex;
                    for (int index = 0; index < destinationEnd; index++) {
                        entry[index + 1] = maps.get(index).segmentIndex;
                    }
                    plan.add(entry);
                    room -= source.liveCount();
                    sourceIndex--;
                } else {
                    room += room(maps.get(destinationEnd));
                    destinationEnd++;
                }
            }
        }
        return plan;
    }

    private static long room(final SlotMap slotMap) {
        return slotMap.capacity() - slotMap.liveCount();
    }

    /** Copies every live block of {@code sourceId} into {@code destinationIds}, fullest first. */
    private void evacuate(final int sourceId, final int[] destinationIds) {
        final SlotMap source = table.slotMaps[sourceId];
        final long blockBytes = source.blockBytes();
        final long base = range.base();
        final long sourceAddress = base + ((long)table.place[sourceId] << segmentShift);
        int destinationIndex = 0;
        for (int slot = 0; slot < source.touchedEnd() && source.liveCount() > 0; slot++) {
            if (!source.isLive(slot)) {
                continue;
            }
            SlotMap destination = table.slotMaps[destinationIds[destinationIndex]];
            while (destination.isFull()) {
                destination = table.slotMaps[destinationIds[++destinationIndex]]; // the plan counted the room
            }
            final int newSlot = destination.take();
            smallBlocks.afterTake(destination);
            MemoryCopy.copy(sourceAddress + slot * blockBytes,
                base + ((long)destination.place << segmentShift) + newSlot * blockBytes, blockBytes);
            final long oldHandle = source.handle(slot);
            final long newHandle = destination.handle(newSlot);
            source.give(slot); // its offset moves on: the old handle no longer matches here
            Forwarding forward = table.forwarding[sourceId];
            if (forward == null) {
                forward = new Forwarding();
                table.forwarding[sourceId] = forward;
            }
            forward.put(oldHandle, newHandle);
            copiedBytes += blockBytes;
            evacuatedBlocks++;
            if (listener != null) {
                try {
                    listener.relocated(oldHandle, newHandle);
                } catch (final RuntimeException | Error thrown) {
                    keptTargets.add(newHandle); // the forward stays, and so does the rest of the segment
                    throw thrown;
                }
                if (keptTargets.remove(oldHandle)) {
                    keptTargets.add(newHandle); // a kept forward leads here: this one must go on to the block
                } else {
                    forward.remove(oldHandle);
                }
            }
        }
        final Forwarding forward = table.forwarding[sourceId];
        final boolean forwarded = forward != null && !forward.isEmpty();
        if (forward != null && !forwarded) {
            table.forwarding[sourceId] = null;
        }
        smallBlocks.evacuated(sourceId, forwarded);
        evacuatedSegments++;
    }
}
