package io.vmarena;

import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.VmException;

/**
 * The allocator behind an {@link Arena}, single-threaded: handles in, handles out. Small blocks
 * come from {@link SmallBlocks}; a larger block is a run of whole segments, which grows by
 * taking the free places after it or, failing that, by moving (not copying) its pages to a
 * free stretch large enough.
 *
 * <pre>
 *  address(handle) = base + place(id) * segmentBytes + slot * classBytes    (class segment)
 *                  = base + place(id) * segmentBytes                        (run)
 * </pre>
 *
 * A handle carries a segment <em>id</em>; where the segment is, its place, is the table's (and,
 * for a class segment, its map's) business, so the arena and its segments move without changing
 * a handle. A block that compaction's evacuation copied elsewhere is found through its old
 * segment's forwarding, which only the slow path reads. Every handle is checked before use
 * (see {@link #check}); the arena turns a failed check into an exception.
 */
final class BlockHeap {
    /** {@link #check}'s verdicts, negative so that a segment id is the success value. */
    static final int NULL_HANDLE = -1;
    static final int NOT_A_BLOCK = -2;
    static final int FREED = -3;
    static final int STALE = -4;
    static final int OTHER_ARENA = -5;
    /**
     * Relocated by evacuation, and the relocation listener was given the new handle: in an arena
     * with a listener, the verdict for an old handle whose forward is gone, whatever became of its
     * old segment since (given back, or its id or slot handed out again).
     */
    static final int RELOCATED = -6;
    /** Forwarding chains are short (a block is evacuated again only after its new segment became sparse). */
    private static final int MAX_FORWARDS = 64;

    private final SegmentTable table;
    private final Places places;
    private final Segments segments;
    private final SmallBlocks smallBlocks;
    private final ArenaRange range;
    private final HandleCodec codec;
    private final int tag;
    private final boolean checked;
    private final long segmentBytes;
    private final int segmentShift;
    private final long maxClassBytes;
    private final long[] classBytes;
    /** Each class's current segment's map (SmallBlocks' own array): the allocate fast path reads it. */
    private final SlotMap[] currentMaps;
    // The codec's fields, copied so that the fast paths decode a handle without another load.
    private final int handleSegmentShift;
    private final int handleSegmentMask;
    private final int slotMask;
    /** The address space's, if it cannot see page faults (the simulator), else null: told of the arena's own copies. */
    private final FaultObserver faultObserver;
    /** Whether a relocation listener takes forwarded handles over (a missing forward then means RELOCATED). */
    private boolean listened;

    /** @param tag the arena's tag, or the {@link ArenaTags} ticket that carries it */
    BlockHeap(final ArenaRange range, final SegmentTable table, final Segments segments, final HandleCodec codec,
        final int tag, final boolean checked, final long segmentBytes) {
        this.range = range;
        this.table = table;
        this.places = segments.places();
        this.segments = segments;
        this.codec = codec;
        this.tag = ArenaTags.tagOf(tag); // Arena passes its ticket
        this.checked = checked;
        this.segmentBytes = segmentBytes;
        this.segmentShift = Long.numberOfTrailingZeros(segmentBytes);
        final SizeClasses classes = new SizeClasses(segmentBytes);
        this.maxClassBytes = classes.maxBytes();
        this.classBytes = new long[classes.classCount()];
        for (int sizeClass = 0; sizeClass < classBytes.length; sizeClass++) {
            classBytes[sizeClass] = SizeClasses.bytesOf(sizeClass);
        }
        this.smallBlocks = new SmallBlocks(table, segments, classes, segmentBytes, range.space().pageSize(), codec,
            this.tag, checked);
        this.currentMaps = smallBlocks.currentMaps();
        this.handleSegmentShift = codec.segmentShift();
        this.handleSegmentMask = (int)codec.segmentMask();
        this.slotMask = (int)codec.slotMask();
        this.faultObserver = range.space() instanceof FaultObserver ? (FaultObserver)range.space() : null;
    }

    SmallBlocks smallBlocks() {
        return smallBlocks;
    }

    SegmentTable table() {
        return table;
    }

    Places places() {
        return places;
    }

    /** Whether blocks keep generations of their own (checked mode). */
    boolean checked() {
        return checked;
    }

    HandleCodec codec() {
        return codec;
    }

    void listened(final boolean value) {
        listened = value;
    }

    /**
     * Bytes handed out: each small block counts its class, each run its segments. Walks the
     * table. Safe from a thread racing the owner (stats() of a confined arena from a monitoring
     * thread): each array is read once and every index checked, so a segment the owner changes
     * meanwhile counts as it was or as it is, never as an error.
     */
    long usedBytes() {
        final byte[] state = table.state;
        final int[] detail = table.detail;
        final SlotMap[] slotMaps = table.slotMaps;
        final int ids = Math.min(state.length, Math.min(detail.length, slotMaps.length));
        long usedBytes = 0;
        for (int id = 0; id < ids; id++) {
            final int segmentDetail = detail[id];
            if (state[id] == SegmentTable.CLASS) {
                final SlotMap slotMap = slotMaps[id];
                if (slotMap != null && segmentDetail >= 0 && segmentDetail < classBytes.length) {
                    usedBytes += slotMap.liveCount() * classBytes[segmentDetail];
                }
            } else if (state[id] == SegmentTable.RUN_HEAD) {
                usedBytes += Math.max(0, segmentDetail) * segmentBytes;
            }
        }
        return usedBytes;
    }

    long maxClassBytes() {
        return maxClassBytes;
    }

    long classBytes(final int sizeClass) {
        return classBytes[sizeClass];
    }

    /** Allocates {@code lengthBytes}, 1 to the arena's maximum; may grow (and move) the arena. */
    long allocate(final long lengthBytes) {
        if (lengthBytes <= maxClassBytes) {
            final int sizeClass = SizeClasses.classOf(lengthBytes);
            final SlotMap slotMap = currentMaps[sizeClass]; // never null
            if (!slotMap.isFull()) {
                return slotMap.handle(slotMap.take()); // the fast path
            }
            return smallBlocks.allocate(sizeClass);
        }
        final int count = segmentsFor(lengthBytes);
        final int place = takeRun(count);
        final int id = table.take(SegmentTable.RUN_HEAD, count, place);
        try {
            segments.claim(place, count, id, false);
        } catch (final RuntimeException refused) {
            table.release(id);
            throw refused;
        }
        return runHandle(id);
    }

    /** A run's handle: its id's floor as generation, the id's run serial as slot. */
    private long runHandle(final int id) {
        return codec.encode(tag, id, table.runSerial[id], table.generation[id]);
    }

    /**
     * Frees the block of {@code handle}; returns 0, or a verdict of {@link #check} when the
     * handle names no live block (nothing changes then).
     */
    int free(final long handle) {
        final SlotMap slotMap = smallBlock(handle);
        if (slotMap != null) {
            final int liveCount = slotMap.give((int)handle & slotMask); // the fast path
            if (liveCount >= 0) {
                smallBlocks.afterFree(slotMap, liveCount);
                return 0;
            }
        }
        final long live = resolve(handle);
        if (live < 0) {
            return (int)live;
        }
        // Freed through the old handle of an evacuated block: its forward stays, and now leads to a
        // freed block, so the old handle is refused too. Compaction drops it (under its gate): a
        // removal here would rehash the table while readers of a shared arena look other handles up.
        final int id = codec.segmentIndex(live);
        if (table.state[id] == SegmentTable.CLASS) {
            final SlotMap classMap = table.slotMaps[id];
            smallBlocks.afterFree(classMap, classMap.give(codec.slot(live)));
            return 0;
        }
        final int count = table.detail[id];
        final int place = table.place[id];
        table.retireRun(id, codec);
        table.release(id);
        segments.release(place, count, false);
        return 0;
    }

    /**
     * Resizes the block of a live handle ({@link #liveHandle}), keeping its first
     * {@code min(old, new)} bytes; returns the handle to use from now on. A run grows in place
     * when the places after it are free, else moves without copying (and keeps its handle); a
     * small block is copied.
     */
    long reallocate(final long handle, final long lengthBytes) {
        final int id = codec.segmentIndex(handle);
        if (table.state[id] == SegmentTable.CLASS) {
            final int sizeClass = table.detail[id];
            if (lengthBytes <= maxClassBytes && SizeClasses.classOf(lengthBytes) == sizeClass) {
                return handle;
            }
            return copyInto(handle, Math.min(classBytes[sizeClass], lengthBytes), lengthBytes);
        }
        final int count = table.detail[id];
        if (lengthBytes <= maxClassBytes) {
            return copyInto(handle, lengthBytes, lengthBytes);
        }
        final int wanted = segmentsFor(lengthBytes);
        if (wanted < count) {
            table.detail[id] = wanted;
            segments.release(table.place[id] + wanted, count - wanted, false);
        } else if (wanted > count) {
            growRun(id, count, wanted);
        }
        return handle;
    }

    private long copyInto(final long handle, final long keptBytes, final long lengthBytes) {
        final long newHandle = allocate(lengthBytes); // may move the arena: addresses after it
        copyBlock(address(handle), address(newHandle), keptBytes);
        free(handle);
        return newHandle;
    }

    /**
     * Copies a block's bytes to another block of the arena, telling an address space that cannot
     * see faults (the simulator) what the copy read and wrote ({@link MemoryCopy#copyBlock}).
     */
    void copyBlock(final long fromAddress, final long toAddress, final long lengthBytes) {
        MemoryCopy.copyBlock(faultObserver, fromAddress, toAddress, lengthBytes);
    }

    private void growRun(final int id, final int count, final int wanted) {
        final int place = table.place[id];
        if (freeFrom(place + count, place + wanted) && segments.fits((long)place + wanted)) {
            segments.ensureSegments((long)place + wanted); // may move the whole arena: places stay
            segments.claim(place + count, wanted - count, id, false);
            table.detail[id] = wanted;
            return;
        }
        // Claim (and commit) the destination first: if that fails, the block has not moved.
        final int newPlace = takeRun(wanted);
        segments.claimUnlocked(newPlace, wanted, id, false); // locked after the move: never counted twice
        final int oldPlace = table.place[id];
        // The move replaces the destination's first places with the block's VMAs, locked or not as they were.
        final boolean[] locked = segments.lockedFlags(oldPlace, count);
        final boolean reserved;
        try {
            reserved = range.moveSegments(oldPlace, newPlace, count, () -> {
                segments.vacate(oldPlace, count);
                segments.carryLocks(newPlace, count, locked);
                table.place[id] = newPlace;
                table.detail[id] = wanted;
            });
        } catch (final VmException | IllegalArgumentException | UnsupportedOperationException failure) {
            // Undone, but mremap unmapped the destination's parts it moved into first: reserve those
            // holes again, and free only what is still mapped the usual way (giving a hole back
            // would madvise over it, or over someone else's mapping there now).
            final int[] holes = range.reserveHoles(newPlace, wanted);
            for (int index = 0; index < holes.length; index++) {
                if (holes[index] == 0) {
                    segments.release(newPlace + index, 1, false);
                } else {
                    segments.vacate(newPlace + index, 1);
                    if (holes[index] < 0) {
                        segments.quarantine(newPlace + index, 1);
                    }
                }
            }
            segments.pinning().claimed(newPlace, wanted); // a pinned arena locks what it kept of the destination
            throw new ArenaFullException("could not move a block of " + count * segmentBytes + " bytes to grow it: "
                + failure.getMessage() + "; the block is unchanged", failure);
        }
        if (!reserved) {
            segments.quarantine(oldPlace, count);
        }
        // A pinned arena locks the destination's tail, and what an unlocked block brought.
        segments.pinning().claimed(newPlace, wanted);
    }

    /**
     * The first of {@code count} free places in a row: existing ones, else after giving back
     * empty segments that size classes keep, else by growing (which may move the arena).
     */
    private int takeRun(final int count) {
        int place = segments.find(count);
        if (place == Places.NONE && smallBlocks.retireEmptyCurrents()) {
            place = segments.find(count);
        }
        return place != Places.NONE ? place : segments.takeByGrowing(count);
    }

    /** Whether places {@code [from, to)} are free; those past the range's end count as free. */
    private boolean freeFrom(final int from, final int to) {
        for (int place = from; place < Math.min(to, places.count()); place++) {
            if (!places.isFree(place)) {
                return false;
            }
        }
        return true;
    }

    private int segmentsFor(final long lengthBytes) {
        return (int)((lengthBytes + segmentBytes - 1) / segmentBytes);
    }

    /**
     * The segment id of a live block's handle, or why the handle is refused: {@link #NULL_HANDLE},
     * {@link #NOT_A_BLOCK} (no block starts there: forged, or from an arena of another shape),
     * {@link #FREED} (its block is free, or its slot retired after handing this handle out last),
     * {@link #STALE} (its block was freed and the slot or segment handed out again since), or
     * {@link #OTHER_ARENA} (the tag is another arena's). A handle of a block evacuation moved
     * gets FREED or STALE here: {@link #resolve} follows the forwarding. Reads each array once
     * into a local, so that a racing change in a shared arena yields a verdict, never an
     * exception.
     */
    int check(final long handle) {
        if (handle == 0) {
            return NULL_HANDLE;
        }
        final int id = codec.segmentIndex(handle);
        final byte[] state = table.state;
        if (codec.hasStrayBits(handle) || id >= state.length) {
            return NOT_A_BLOCK;
        }
        final int slot = codec.slot(handle);
        final int generation;
        final byte segmentState = state[id];
        if (segmentState == SegmentTable.CLASS) {
            final SlotMap[] slotMaps = table.slotMaps;
            final SlotMap slotMap = id < slotMaps.length ? slotMaps[id] : null;
            if (slotMap == null || slot >= slotMap.slotCount()) {
                return NOT_A_BLOCK;
            }
            if (codec.tag(handle) != tag) {
                return OTHER_ARENA;
            }
            if (slotMap.isRetired(slot)) {
                return codec.generation(handle) == slotMap.lastGeneration() ? FREED : STALE;
            }
            if (!slotMap.isTaken(slot)) {
                return FREED;
            }
            generation = slotMap.generation(slot);
        } else if (segmentState == SegmentTable.RUN_HEAD) {
            if (codec.tag(handle) != tag) {
                return OTHER_ARENA;
            }
            final int[] runSerial = table.runSerial;
            final int[] floors = table.generation;
            if (id >= runSerial.length || id >= floors.length) {
                return NOT_A_BLOCK; // a racing growth: the arrays are being replaced
            }
            if (slot != runSerial[id]) {
                return STALE; // an earlier run's serial, or a block's slot from an earlier use
            }
            generation = floors[id];
        } else if (segmentState == SegmentTable.FORWARDED) {
            return codec.tag(handle) != tag ? OTHER_ARENA : FREED; // resolve() looks it up
        } else {
            return NOT_A_BLOCK;
        }
        // Unchecked, a class segment's blocks all have its floor: the compare still catches
        // handles from an earlier use of the segment.
        return codec.generation(handle) != generation ? STALE : id;
    }

    /**
     * The live handle {@code handle} names: itself, or, for a block evacuation moved, the block's
     * handle now (following the forwarding); or a negative verdict of {@link #check}.
     */
    long resolve(final long handle) {
        long current = handle;
        for (int hop = 0; hop < MAX_FORWARDS; hop++) {
            final int verdict = check(current);
            if (verdict >= 0) {
                return current;
            }
            if (verdict != FREED && verdict != STALE) {
                return hop == 0 && listened && verdict == NOT_A_BLOCK && idGivenBack(current) ? RELOCATED : verdict;
            }
            final long forwarded = forwardOf(current);
            if (forwarded == 0) {
                // A relocated block's old segment may since be given back, or its id or slot handed out again.
                return hop == 0 && listened ? RELOCATED : verdict;
            }
            current = forwarded;
        }
        return STALE;
    }

    /**
     * Whether {@code handle}'s segment id is free now (no stray bits): its segment was given back,
     * as an evacuated one is once the listener took all its blocks' new handles.
     */
    private boolean idGivenBack(final long handle) {
        final int id = codec.segmentIndex(handle);
        final byte[] state = table.state;
        return !codec.hasStrayBits(handle) && id < state.length && state[id] == SegmentTable.FREE;
    }

    /**
     * Ends the forward of an evacuated block's old handle (a relocation listener took the new
     * one); releases a forwarded id with none left. Only compaction calls it, with the move gate
     * closed: a removal rehashes the table, which readers of a shared arena search without the lock.
     */
    void dropForward(final long oldHandle) {
        final int id = codec.segmentIndex(oldHandle);
        final Forwarding forward = table.forwarding[id];
        if (forward == null) {
            return;
        }
        forward.remove(oldHandle);
        if (forward.isEmpty()) {
            if (table.state[id] == SegmentTable.FORWARDED) {
                table.release(id);
            } else {
                table.forwarding[id] = null;
            }
        }
    }

    /** Where evacuation copied the block of {@code handle}, or 0. */
    private long forwardOf(final long handle) {
        final int id = codec.segmentIndex(handle);
        final Forwarding[] forwarding = table.forwarding;
        if (id >= forwarding.length) {
            return 0;
        }
        final Forwarding forward = forwarding[id];
        return forward == null ? 0 : forward.target(handle);
    }

    /**
     * The map of the class segment that holds the small block of {@code handle}, live or not, or
     * null for any other handle (a run's, or one to refuse: {@link #check} says which). One
     * compare with the block's current handle covers tag, generation and stray high bits (the
     * segment and slot bits are equal by construction); a retired slot's "current handle" has
     * another slot's bits, so it matches no handle. Callers check the block is live.
     */
    private SlotMap smallBlock(final long handle) {
        final SlotMap[] slotMaps = table.slotMaps;
        final int id = (int)(handle >>> handleSegmentShift) & handleSegmentMask;
        if (id < 0 || id >= slotMaps.length) { // the array's own range check, so C2 checks once
            return null;
        }
        final SlotMap slotMap = slotMaps[id];
        final int slot = (int)handle & slotMask;
        if (slotMap == null || slot >= slotMap.slotCount() || handle != slotMap.handle(slot)) {
            return null;
        }
        return slotMap;
    }

    /** The map of a live small block's handle on the fast path, else null (then {@link #liveHandle}). */
    SlotMap liveSmallBlock(final long handle) {
        final SlotMap slotMap = smallBlock(handle);
        return slotMap != null && slotMap.isTaken((int)handle & slotMask) ? slotMap : null;
    }

    /** The address of the live small block of {@code handle} in {@code slotMap} ({@link #liveSmallBlock}). */
    long blockAddress(final SlotMap slotMap, final long handle) {
        return range.base() + ((long)slotMap.place << segmentShift) + ((int)handle & slotMask) * slotMap.blockBytes();
    }

    /**
     * Whether {@code [address, address + lengthBytes)} (lengthBytes positive) lies in committed
     * places of the range: the last guard of a copy, against a block that another thread freed
     * while the copy resolved it (the table read half before and half after the change).
     */
    boolean committed(final long address, final long lengthBytes) {
        final long fromBase = address - range.base();
        if (fromBase < 0) {
            return false;
        }
        return places.allCommitted((int)Math.min(Integer.MAX_VALUE, fromBase >>> segmentShift),
            (int)Math.min(Integer.MAX_VALUE, (fromBase + lengthBytes - 1) >>> segmentShift));
    }

    /**
     * For tests: whether {@code handle} resolves on the fast path (one compare), as every live
     * small block's handle must; a miss still works, through {@link #check}, only slower.
     */
    boolean resolvesOnFastPath(final long handle) {
        return liveSmallBlock(handle) != null;
    }

    /** The address of a live block, or a negative verdict of {@link #resolve}. */
    long addressOf(final long handle) {
        final SlotMap slotMap = smallBlock(handle);
        if (slotMap != null && slotMap.isTaken((int)handle & slotMask)) {
            return range.base() + ((long)slotMap.place << segmentShift)
                + ((int)handle & slotMask) * slotMap.blockBytes(); // the fast path
        }
        final long live = resolve(handle);
        return live < 0 ? live : address(live);
    }

    /** {@link #resolve}, with the fast path of {@link #addressOf} first for a live small block. */
    long liveHandle(final long handle) {
        final SlotMap slotMap = smallBlock(handle);
        if (slotMap != null && slotMap.isTaken((int)handle & slotMask)) {
            return handle;
        }
        return resolve(handle);
    }

    /**
     * The address of a block whose handle is live ({@link #liveHandle}), or {@link #NOT_A_BLOCK}
     * when a change under way in a shared arena (a reader outside a read section racing a
     * compaction) took the segment from its place meanwhile: each array is read once.
     */
    long address(final long handle) {
        final int id = codec.segmentIndex(handle);
        final int[] placeOf = table.place;
        final byte[] state = table.state;
        final SlotMap[] slotMaps = table.slotMaps;
        if (id >= placeOf.length || id >= state.length || placeOf[id] < 0) {
            return NOT_A_BLOCK;
        }
        final long segmentAddress = range.base() + ((long)placeOf[id] << segmentShift);
        if (state[id] == SegmentTable.CLASS) {
            final SlotMap slotMap = id < slotMaps.length ? slotMaps[id] : null;
            return slotMap == null ? NOT_A_BLOCK : segmentAddress + codec.slot(handle) * slotMap.blockBytes();
        }
        return state[id] == SegmentTable.RUN_HEAD ? segmentAddress : NOT_A_BLOCK;
    }

    /**
     * The usable bytes of a block whose handle is live ({@link #liveHandle}), or
     * {@link #NOT_A_BLOCK} when a racing change took its segment meanwhile (see {@link #address}).
     */
    long capacity(final long handle) {
        final int id = codec.segmentIndex(handle);
        final byte[] state = table.state;
        final int[] detail = table.detail;
        if (id >= state.length || id >= detail.length) {
            return NOT_A_BLOCK;
        }
        final int segmentDetail = detail[id];
        switch (state[id]) {
            case SegmentTable.CLASS:
                return segmentDetail < classBytes.length ? classBytes[segmentDetail] : NOT_A_BLOCK;
            case SegmentTable.RUN_HEAD:
                return segmentDetail * segmentBytes;
            default:
                return NOT_A_BLOCK;
        }
    }

    /**
     * Gives back retained free places, then the fully free pages of class segments, until
     * {@code bytes} are given back; returns the bytes given back.
     */
    long trim(final long bytes) {
        return trim(bytes, 0);
    }

    /**
     * {@link #trim(long)}, keeping huge pages in use whole when {@code hugePageBytes} (the PMD
     * size) is positive: a retained place that shares a PMD-aligned range with a place in use is
     * kept ({@link Segments#trim(long, long)}), and free pages of a class segment are given back
     * only as whole PMD-aligned ranges without a live block, so only in segments larger than a PMD.
     */
    long trim(final long bytes, final long hugePageBytes) {
        long givenBytes = segments.trim(bytes, hugePageBytes);
        if (hugePageBytes >= segmentBytes) {
            return givenBytes; // a class segment is in use, and lies inside one huge page's range
        }
        final long pageSize = range.space().pageSize();
        for (int id = 0; id < table.idCapacity() && givenBytes < bytes; id++) {
            // A pinned segment's free pages stay: MADV_DONTNEED refuses locked memory, and
            // unlocking single pages would split its VMA into pieces.
            if (table.state[id] == SegmentTable.CLASS && !segments.places().has(table.place[id], Places.LOCKED)) {
                givenBytes += trimPages(id, pageSize, bytes - givenBytes, hugePageBytes);
            }
        }
        return givenBytes;
    }

    /**
     * Gives back free pages of class segment {@code id}, top down; with {@code hugePageBytes}
     * positive, only pages whose PMD-aligned range (by offset in the segment, which is
     * PMD-aligned, being larger than a PMD) holds no live block.
     */
    private long trimPages(final int id, final long pageSize, final long bytes, final long hugePageBytes) {
        final SlotMap slotMap = table.slotMaps[id];
        final long blockBytes = slotMap.blockBytes();
        final long segmentAddress = range.segmentAddress(table.place[id]);
        final int pageCount = (int)(segmentBytes / pageSize);
        long givenBytes = 0;
        long stretchStart = -1; // the lowest page offset of the stretch of free pages being gathered
        long stretchEnd = -1;
        // One madvise per stretch of neighbouring free pages, top down.
        for (int pageIndex = pageCount - 1; pageIndex >= 0 && givenBytes < bytes; pageIndex--) {
            final long pageOffset = pageIndex * pageSize;
            final int firstSlot = (int)(pageOffset / blockBytes);
            final int endSlot = (int)Math.min(slotMap.slotCount(), (pageOffset + pageSize + blockBytes - 1) / blockBytes);
            if (slotMap.touched(firstSlot, endSlot) && !slotMap.isReleased(pageIndex)
                && slotMap.allFree(firstSlot, endSlot) && hugePageFree(slotMap, pageOffset, hugePageBytes)) {
                slotMap.markReleased(pageIndex, pageCount);
                if (stretchStart != pageOffset + pageSize) {
                    givenBytes -= releaseStretch(segmentAddress, stretchStart, stretchEnd);
                    stretchEnd = pageOffset + pageSize;
                }
                stretchStart = pageOffset;
                givenBytes += pageSize;
            }
        }
        givenBytes -= releaseStretch(segmentAddress, stretchStart, stretchEnd);
        return givenBytes;
    }

    /** Whether the {@code hugePageBytes}-aligned range around {@code offset} holds no live block (true for 0). */
    private static boolean hugePageFree(final SlotMap slotMap, final long offset, final long hugePageBytes) {
        if (hugePageBytes <= 0) {
            return true;
        }
        final long blockBytes = slotMap.blockBytes();
        final long start = offset & -hugePageBytes;
        final int firstSlot = (int)(start / blockBytes);
        final int endSlot = (int)Math.min(slotMap.slotCount(), (start + hugePageBytes + blockBytes - 1) / blockBytes);
        return slotMap.allFree(firstSlot, endSlot);
    }

    /** Gives a stretch of pages back; returns the bytes the kernel kept (0, or all of them). */
    private long releaseStretch(final long segmentAddress, final long startOffset, final long endOffset) {
        if (startOffset >= 0 && !range.release(segmentAddress + startOffset, endOffset - startOffset)) {
            return endOffset - startOffset;
        }
        return 0;
    }
}
