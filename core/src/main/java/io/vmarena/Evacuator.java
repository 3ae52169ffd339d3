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
 * dropped when it returns normally; kept when it throws, for that block and the segment's blocks
 * not yet told, and the evacuation stops there).
 */
final class Evacuator {
    /**
     * A segment is packed once the free bytes below its highest live block reach 1/64 of a
     * segment (a page at least): 32 KiB of a 2 MiB one. Packing copies about as many bytes as
     * it frees, so a low bar costs no more copying in all than the frees that made the holes;
     * set higher, each class segment could keep that much resident for nothing, and a cache's
     * 87 segments 3% of its live bytes more.
     */
    private static final long PACK_MIN_SHARE = 64;
    private final BlockHeap heap;
    private final SegmentTable table;
    private final SmallBlocks smallBlocks;
    private final ArenaRange range;
    private final int segmentShift;
    private final RelocationListener listener;
    /** This compaction's plan, worked through slice by slice; null between compactions. */
    private java.util.ArrayDeque<int[]> queue;
    /** The arena's used bytes when {@link #queue} was planned: a change says the plan may be stale. */
    private long plannedUsedBytes;
    /**
     * With a listener: the handles that forwards kept because the listener threw lead to (the
     * caller may hold only the old handle). When such a block is evacuated again, its forward is
     * kept too, even if the listener returns normally, so the old handle's chain still ends at the
     * block; compaction's clean-up shortens the chain.
     */
    private final LongHashSet keptTargets = new LongHashSet();
    /**
     * The clean-up of forwards ({@link #purgeForwards}), kept across slices and compactions: the
     * segment id it is at, -1 between passes; the forward there whose old handles it copied
     * ({@code purgeHandles[0, purgeCount)}, reused), null before it copied them; the next to clean.
     */
    private int purgeId = -1;
    private Forwarding purging;
    private long[] purgeHandles = new long[64];
    private int purgeCount;
    private int purgeIndex;

    /**
     * The class segments this compaction packs ({@link #pack}), worked through slice by slice;
     * null between compactions.
     */
    private org.agrona.collections.IntArrayQueue packQueue;
    /** The arena's used bytes when {@link #packQueue} was planned. */
    private long packPlannedUsedBytes;
    /** The free bytes below a segment's highest live block that make packing it worth a copy. */
    private final long packMinBytes;
    /**
     * The map of the segment a slice's deadline stopped packing, or null: the next slice finishes
     * it whatever its free bytes below the top have come to, so that slices of any budget pack as
     * one compaction does.
     */
    private SlotMap packing;

    long copiedBytes;
    long evacuatedBlocks;
    int evacuatedSegments;
    /** Of {@link #copiedBytes}, what packing copied. */
    long packedBytes;
    long packedBlocks;
    int packedSegments;

    Evacuator(final BlockHeap heap, final ArenaRange range, final long segmentBytes, final RelocationListener listener) {
        this.heap = heap;
        this.table = heap.table();
        this.smallBlocks = heap.smallBlocks();
        this.range = range;
        this.segmentShift = Long.numberOfTrailingZeros(segmentBytes);
        this.listener = listener;
        this.packMinBytes = Math.max(range.space().pageSize(), segmentBytes / PACK_MIN_SHARE);
    }

    /**
     * Cleans the forwards up, resuming where the last slice stopped: ends forwards whose block is
     * gone (freed through its new handle), shortens chains (a block evacuated twice) and releases
     * forwarded ids with no forward left. Stops once {@code deadlineNanos} passes, after one entry
     * at least (slices of any budget get through); a cache with stable handles keeps a forward per
     * evacuated block that still lives, tens of thousands, and one walk of them all took a slice of
     * 500 us to 88 and 116 ms. Allocates nothing per forward: a forward's old handles are copied
     * into a buffer kept across slices (an entry's removal rehashes the table, so it cannot be
     * walked in place), and each is looked up again when cleaned, since between slices a listener
     * may have ended it. A forward that was released (or its id given to another forward) between
     * slices is left: the next pass cleans a newer one up.
     *
     * @return whether the pass is through every segment id (the next call starts another)
     */
    boolean purgeForwards(final long deadlineNanos) {
        if (purgeId < 0) {
            keptTargets.removeIf(target -> heap.check(target) < 0); // freed since: no chain leads on from there
            purgeId = 0;
            purging = null;
        }
        boolean first = true;
        while (true) {
            if (purging != null) {
                if (table.forwarding[purgeId] == purging) {
                    while (purgeIndex < purgeCount) {
                        if (!first && System.nanoTime() - deadlineNanos > 0) { // a huge budget's deadline overflows
                            return false;
                        }
                        first = false;
                        purgeEntry(purging, purgeHandles[purgeIndex++]);
                    }
                    if (purging.isEmpty()) {
                        if (table.state[purgeId] == SegmentTable.FORWARDED) {
                            table.release(purgeId);
                        } else {
                            table.forwarding[purgeId] = null;
                        }
                    }
                }
                purging = null;
                purgeId++;
            }
            final Forwarding[] forwarding = table.forwarding;
            final int end = Math.min(table.idCapacity(), forwarding.length);
            while (purgeId < end && forwarding[purgeId] == null) {
                purgeId++;
            }
            if (purgeId >= end) {
                purgeId = -1;
                return true;
            }
            if (!first && System.nanoTime() - deadlineNanos > 0) {
                return false; // copy the next forward's handles next slice
            }
            purging = forwarding[purgeId];
            final Long2LongHashMap targets = purging.targets();
            if (purgeHandles.length < targets.size()) {
                purgeHandles = new long[Math.max(targets.size(), 2 * purgeHandles.length)];
            }
            purgeCount = 0;
            purgeIndex = 0;
            for (final Long2LongHashMap.KeyIterator keys = targets.keySet().iterator(); keys.hasNext(); ) {
                purgeHandles[purgeCount++] = keys.nextValue();
            }
        }
    }

    /** Ends {@code oldHandle}'s forward if its block is gone, else points it at the block's handle now. */
    private void purgeEntry(final Forwarding forward, final long oldHandle) {
        final long target = forward.target(oldHandle);
        if (target == 0) {
            return; // ended since the handles were copied (a listener took the new handle)
        }
        final long live = heap.resolve(target);
        if (live < 0) {
            forward.remove(oldHandle);
        } else if (live != target) {
            forward.put(oldHandle, live);
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
     * there (a budget spent before the first segment would otherwise never evacuate any). The
     * first call of a compaction plans (a walk of every segment id);
     * later slices of the same compaction work through that plan, checking each entry again first
     * (a shared arena changes between slices), so a slice does not pay for a walk of the whole
     * arena; once the plan is worked through, a slice plans again if the arena's used bytes
     * changed since (segments made sparse meanwhile). {@link #endCycle} ends the compaction.
     *
     * @return whether it finished (no sparse segment with room for its blocks is left)
     */
    boolean evacuate(final double threshold, final long deadlineNanos) {
        if (queue == null) {
            replan(threshold, deadlineNanos);
        } else if (queue.isEmpty() && heap.usedBytes() != plannedUsedBytes) {
            // Blocks were freed or allocated since the plan (a shared arena between slices, a
            // caller between compactSlice calls): segments made sparse since are evacuated now,
            // not after the rest of the compaction. Planned once per compaction, a plan made
            // during a burst of evictions left them to be slid and decommitted a run a slice
            // (150 segments at a tenth full, 150 slices of a background policy) before the next
            // compaction's plan emptied them.
            replan(threshold, deadlineNanos);
        }
        boolean first = true;
        while (!queue.isEmpty()) {
            if (!first && System.nanoTime() - deadlineNanos > 0) { // a huge budget's deadline overflows
                return false;
            }
            final int[] entry = queue.poll();
            final int[] destinations = stillValid(entry, threshold);
            if (destinations != null) {
                evacuate(entry[0], destinations);
                first = false;
            }
        }
        return true;
    }

    private void replan(final double threshold, final long deadlineNanos) {
        plannedUsedBytes = heap.usedBytes();
        queue = new java.util.ArrayDeque<>(plan(threshold, deadlineNanos));
    }

    /**
     * Whether another segment may be evacuated with forwards: each keeps its id while a block it
     * forwarded lives, and ids are as many as the arena's maximum has places, so forwards may
     * take at most half of the ids the present range's places leave over. Near its maximum (or
     * with an initial size equal to it) an arena without a listener therefore stops evacuating
     * and only slides, instead of refusing an allocation later for want of an id. With a
     * listener a forward ends as the listener returns; one it threw at counts like any other.
     */
    private boolean idsToSpare() {
        if (listener == null && !heap.checked()) {
            // Unchecked, a block's handle carries no generation of its own: a forward cannot tell
            // its block freed and its slot handed out again from the block itself, so it would
            // never end and its old handle would name a stranger's block. Evacuation then needs
            // a listener, which ends each forward at once.
            return false;
        }
        return table.forwardedIds() < (table.maxIds() - heap.places().count()) / 2;
    }

    /** The compaction is complete: the next one cleans up and plans afresh. */
    void endCycle() {
        queue = null;
        packQueue = null;
        packing = null;
    }

    /**
     * Whether a class segment is worth packing now: stops at the first (a policy asks every
     * period), and for a packed segment costs a scan of the free words above its live blocks.
     */
    boolean hasPackWork() {
        if (!heap.checked()) {
            return false;
        }
        for (int id = 0; id < table.idCapacity(); id++) {
            if (table.state[id] == SegmentTable.CLASS && worthPacking(table.slotMaps[id])) {
                return true;
            }
        }
        return false;
    }

    /**
     * Packs class segments: in each, the live blocks at the top are copied down into the free
     * slots below, highest into lowest, until every free slot lies above every live block, so
     * that the free space is one stretch of whole pages at the segment's top, which trim gives
     * back. Evacuation empties sparse segments; this is for the rest. After a burst of random
     * frees, a segment's live blocks are spread over all its pages, each holding a few, and
     * every page stays resident: with classes of up to 8 KiB, a cache that evicted nine tenths
     * of its entries kept 5.7 MB resident above its 112 MB in use, and its RSS 13% above its
     * live bytes, with evacuation done. Each moved block's old handle is forwarded as
     * evacuation's are (the segment keeps its id, so the forward lives in its own table), or
     * the listener is told.
     *
     * <p>Only in checked mode: the old slot is handed out again, and only a generation tells a
     * handle of its next block from the forwarded one. Segments of pinned places are left: trim
     * does not give their pages back. Planned and re-planned like {@link #evacuate}; stops once
     * {@code deadlineNanos} passes, after one block at least when {@code mustProgress} (the slice
     * has done nothing else yet).
     *
     * @return whether it finished (no segment worth packing is left)
     */
    boolean pack(final long deadlineNanos, final boolean mustProgress) {
        final long copiedAtStart = copiedBytes;
        if (packQueue == null || packQueue.isEmpty() && heap.usedBytes() != packPlannedUsedBytes) {
            packPlannedUsedBytes = heap.usedBytes();
            packQueue = planPacking();
        }
        while (!packQueue.isEmpty()) {
            final int id = packQueue.peekInt();
            final SlotMap slotMap = table.state[id] == SegmentTable.CLASS ? table.slotMaps[id] : null;
            if (slotMap != null && (slotMap == packing ? unpacked(slotMap) : worthPacking(slotMap))) {
                if (!packSegment(id, deadlineNanos, mustProgress && copiedBytes == copiedAtStart)) {
                    packing = slotMap;
                    return false;
                }
            }
            packing = null;
            packQueue.pollInt();
        }
        return true;
    }

    private org.agrona.collections.IntArrayQueue planPacking() {
        final org.agrona.collections.IntArrayQueue plan = new org.agrona.collections.IntArrayQueue();
        if (!heap.checked()) {
            return plan;
        }
        for (int id = 0; id < table.idCapacity(); id++) {
            if (table.state[id] == SegmentTable.CLASS && worthPacking(table.slotMaps[id])) {
                plan.offerInt(id);
            }
        }
        return plan;
    }

    /** Whether a free slot lies below the segment's highest live block (and it is not pinned). */
    private boolean unpacked(final SlotMap slotMap) {
        final int lowestFree = slotMap.lowestFree();
        return lowestFree >= 0 && lowestFree < slotMap.highestLive(slotMap.touchedEnd())
            && !heap.places().has(slotMap.place, Places.LOCKED);
    }

    /**
     * Whether the free bytes below the segment's highest live block reach {@link #packMinBytes}
     * (retired slots, rare, count as free here) and a free slot lies below it. Cheap for most:
     * the blocks ever taken less the live ones bound the free ones below from above.
     */
    private boolean worthPacking(final SlotMap slotMap) {
        final long blockBytes = slotMap.blockBytes();
        if ((long)(slotMap.touchedEnd() - slotMap.liveCount()) * blockBytes < packMinBytes
            || heap.places().has(slotMap.place, Places.LOCKED)) {
            return false;
        }
        final int highest = slotMap.highestLive(slotMap.touchedEnd());
        final int lowestFree = slotMap.lowestFree();
        return highest >= 0 && lowestFree >= 0 && lowestFree < highest
            && (long)(highest + 1 - slotMap.liveCount()) * blockBytes >= packMinBytes;
    }

    /**
     * Packs one segment (see {@link #pack}), one block at least when {@code mustProgress};
     * returns false when the deadline stopped it.
     */
    private boolean packSegment(final int id, final long deadlineNanos, final boolean mustProgress) {
        final SlotMap slotMap = table.slotMaps[id];
        final long blockBytes = slotMap.blockBytes();
        final long segmentAddress = range.base() + ((long)slotMap.place << segmentShift);
        final Forwarding existing = table.forwarding[id];
        final Forwarding forward = existing != null ? existing : new Forwarding();
        final long[] oldHandles = listener == null ? null : new long[slotMap.liveCount()];
        int moved = 0;
        boolean finished = true;
        int highest = slotMap.highestLive(slotMap.touchedEnd());
        while (true) {
            final int lowestFree = slotMap.lowestFree();
            if (highest < 0 || lowestFree < 0 || lowestFree >= highest) {
                break;
            }
            if ((moved > 0 || !mustProgress) && System.nanoTime() - deadlineNanos > 0) { // a huge budget's deadline overflows
                finished = false;
                break;
            }
            final int slot = slotMap.take();
            smallBlocks.afterTake(slotMap);
            heap.copyBlock(segmentAddress + highest * blockBytes, segmentAddress + slot * blockBytes, blockBytes);
            final long oldHandle = slotMap.handle(highest);
            forward.put(oldHandle, slotMap.handle(slot));
            if (oldHandles != null) {
                oldHandles[moved] = oldHandle;
            }
            smallBlocks.afterFree(slotMap, slotMap.give(highest));
            moved++;
            copiedBytes += blockBytes;
            packedBytes += blockBytes;
            packedBlocks++;
            highest = slotMap.highestLive(highest);
        }
        if (moved > 0) {
            table.forwarding[id] = forward;
            if (finished) {
                packedSegments++;
            }
            if (listener != null) {
                notifyListener(forward, oldHandles, moved);
            }
        }
        return finished;
    }

    /**
     * The entry's destinations that are still its class's segments, fullest first, if they still
     * have room for the source's blocks and the source is still sparse; else null (skip it).
     */
    private int[] stillValid(final int[] entry, final double threshold) {
        if (!idsToSpare()) {
            return null;
        }
        final int sourceId = entry[0];
        final int sizeClass = entry[1];
        if (table.state[sourceId] != SegmentTable.CLASS) {
            return null;
        }
        final SlotMap source = table.slotMaps[sourceId];
        if (source.sizeClass() != sizeClass || smallBlocks.isCurrent(source) || source.liveCount() == 0
            || source.liveCount() >= threshold * source.slotCount()) {
            return null;
        }
        final int[] destinations = new int[entry.length - 2];
        int count = 0;
        long room = 0;
        for (int index = 2; index < entry.length; index++) {
            final int id = entry[index];
            if (id != sourceId && table.state[id] == SegmentTable.CLASS && table.slotMaps[id].sizeClass() == sizeClass) {
                destinations[count++] = id;
                room += room(table.slotMaps[id]);
            }
        }
        return room >= source.liveCount() ? java.util.Arrays.copyOf(destinations, count) : null;
    }

    /**
     * For each sparse segment to evacuate, in order: {source id, its size class, destination
     * ids fullest first}.
     * Sparsest first per class; a destination is never a source.
     */
    private List<int[]> plan(final double threshold, final long deadlineNanos) {
        final List<int[]> plan = new ArrayList<>();
        if (threshold <= 0 || !idsToSpare()) {
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
                    final int[] entry = new int[destinationEnd + 2];
                    entry[0] = source.segmentIndex;
                    entry[1] = source.sizeClass();
                    for (int index = 0; index < destinationEnd; index++) {
                        entry[index + 2] = maps.get(index).segmentIndex;
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

    /**
     * Copies every live block of {@code sourceId} into {@code destinationIds}, fullest first,
     * gives the emptied segment back (its id stays, FORWARDED, while forwards into it remain),
     * then tells the listener of each block in turn. The segment is always emptied whole before
     * any listener runs: its slots are never handed out again while a forward into it may be
     * used (unchecked, a reused slot would have the old handle's generation).
     */
    private void evacuate(final int sourceId, final int[] destinationIds) {
        final SlotMap source = table.slotMaps[sourceId];
        final long blockBytes = source.blockBytes();
        final long base = range.base();
        final long sourceAddress = base + ((long)table.place[sourceId] << segmentShift);
        // A packed segment has forwards of its own already (see pack): they stay, in the same table.
        final Forwarding existing = table.forwarding[sourceId];
        final Forwarding forward = existing != null ? existing : new Forwarding();
        final long[] oldHandles = new long[source.liveCount()]; // in slot order, as the listener hears of them
        int moved = 0;
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
            heap.copyBlock(sourceAddress + slot * blockBytes,
                base + ((long)destination.place << segmentShift) + newSlot * blockBytes, blockBytes);
            oldHandles[moved++] = source.handle(slot);
            forward.put(oldHandles[moved - 1], destination.handle(newSlot));
            source.give(slot); // its offset moves on: the old handle no longer matches here
            copiedBytes += blockBytes;
            evacuatedBlocks++;
        }
        final boolean forwarded = !forward.isEmpty();
        table.forwarding[sourceId] = forwarded ? forward : null;
        smallBlocks.evacuated(sourceId, forwarded);
        evacuatedSegments++;
        if (listener != null && forwarded) {
            notifyListener(forward, oldHandles, moved);
        }
    }

    /**
     * Tells the listener of each forwarded block and ends its forward once the listener
     * returns; a listener that throws leaves that block's forward, and those not yet told, in
     * place (their old handles keep working), and the exception propagates.
     */
    private void notifyListener(final Forwarding forward, final long[] oldHandles, final int count) {
        final Long2LongHashMap targets = forward.targets();
        for (int index = 0; index < count; index++) {
            final long oldHandle = oldHandles[index];
            final long newHandle = targets.get(oldHandle);
            try {
                listener.relocated(oldHandle, newHandle);
            } catch (final RuntimeException | Error thrown) {
                for (int untold = index; untold < count; untold++) {
                    keptTargets.add(targets.get(oldHandles[untold])); // their forwards stay: chains lead here
                }
                throw thrown;
            }
            if (keptTargets.remove(oldHandle)) {
                keptTargets.add(newHandle); // a kept forward leads here: this one must go on to the block
            } else {
                heap.dropForward(oldHandle); // the last one releases the segment's id
            }
        }
    }
}
