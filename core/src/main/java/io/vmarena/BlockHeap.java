package io.vmarena;

import io.vmarena.vm.VmException;

/**
 * The allocator behind an {@link Arena}, single-threaded: handles in, handles out. Small blocks
 * come from {@link SmallBlocks}; a larger block is a run of whole segments, which grows by
 * taking the free segments after it or, failing that, by moving (not copying) its pages to a
 * free stretch large enough.
 *
 * <pre>
 *  address(handle) = base + segmentIndex * segmentBytes + slot * classBytes    (class segment)
 *                  = base + segmentIndex * segmentBytes                        (run head)
 * </pre>
 *
 * Only the base changes when the arena moves, so handles survive every move. Every handle is
 * checked before use (see {@link #check}); the arena turns a failed check into an exception.
 */
final class BlockHeap {
    /** {@link #check}'s verdicts, negative so that a segment index is the success value. */
    static final int NULL_HANDLE = -1;
    static final int NOT_A_BLOCK = -2;
    static final int FREED = -3;
    static final int STALE = -4;
    static final int OTHER_ARENA = -5;

    private final SegmentTable table;
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

    /** @param tag the arena's tag, or the {@link ArenaTags} ticket that carries it */
    BlockHeap(final ArenaRange range, final SegmentTable table, final Segments segments, final HandleCodec codec,
        final int tag, final boolean checked, final long segmentBytes) {
        this.range = range;
        this.table = table;
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
    }

    /** Bytes handed out: each small block counts its class, each run its segments. Walks the table. */
    long usedBytes() {
        long usedBytes = 0;
        for (int index = 0; index < table.segmentCount(); index++) {
            if (table.state[index] == SegmentTable.CLASS) {
                usedBytes += table.slotMaps[index].liveCount() * classBytes[table.detail[index]];
            } else if (table.state[index] == SegmentTable.RUN_HEAD) {
                usedBytes += table.detail[index] * segmentBytes;
            }
        }
        return usedBytes;
    }

    long maxClassBytes() {
        return maxClassBytes;
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
        final int head = takeRun(count);
        segments.claim(head, count, SegmentTable.RUN_HEAD, count);
        return runHandle(head);
    }

    /** A run's handle: its head's floor as generation, the head's run serial as slot. */
    private long runHandle(final int head) {
        return codec.encode(tag, head, table.runSerial[head], table.generation[head]);
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
        final int segmentIndex = check(handle);
        if (segmentIndex < 0) {
            return segmentIndex;
        }
        if (table.state[segmentIndex] == SegmentTable.CLASS) {
            final SlotMap classMap = table.slotMaps[segmentIndex];
            smallBlocks.afterFree(classMap, classMap.give(codec.slot(handle)));
            return 0;
        }
        final int count = table.detail[segmentIndex];
        table.retireRun(segmentIndex, codec);
        segments.release(segmentIndex, count);
        return 0;
    }

    /**
     * Resizes the block of a handle that passed {@link #check}, keeping its first
     * {@code min(old, new)} bytes; returns the handle to use from now on. A run grows in place
     * when the segments after it are free, else moves without copying; a small block is copied.
     */
    long reallocate(final long handle, final int segmentIndex, final long lengthBytes) {
        if (table.state[segmentIndex] == SegmentTable.CLASS) {
            final int sizeClass = table.detail[segmentIndex];
            if (lengthBytes <= maxClassBytes && SizeClasses.classOf(lengthBytes) == sizeClass) {
                return handle;
            }
            return copyInto(handle, segmentIndex, Math.min(classBytes[sizeClass], lengthBytes), lengthBytes);
        }
        final int count = table.detail[segmentIndex];
        if (lengthBytes <= maxClassBytes) {
            return copyInto(handle, segmentIndex, lengthBytes, lengthBytes);
        }
        final int wanted = segmentsFor(lengthBytes);
        if (wanted < count) {
            table.detail[segmentIndex] = wanted;
            segments.release(segmentIndex + wanted, count - wanted);
        } else if (wanted > count) {
            return growRun(segmentIndex, count, wanted);
        }
        return handle;
    }

    private long copyInto(final long handle, final int segmentIndex, final long keptBytes, final long lengthBytes) {
        final long newHandle = allocate(lengthBytes); // may move the arena: addresses after it
        MemoryCopy.copy(address(handle, segmentIndex), address(newHandle, codec.segmentIndex(newHandle)), keptBytes);
        free(handle);
        return newHandle;
    }

    private long growRun(final int head, final int count, final int wanted) {
        if (freeFrom(head + count, head + wanted) && segments.fits((long)head + wanted)) {
            segments.ensureSegments((long)head + wanted);
            segments.claim(head + count, wanted - count, SegmentTable.RUN_BODY, head);
            table.detail[head] = wanted;
            return runHandle(head);
        }
        // Claim (and commit) the destination first: if that fails, the block has not moved.
        final int newHead = takeRun(wanted);
        segments.claim(newHead, wanted, SegmentTable.RUN_HEAD, wanted);
        final boolean reserved;
        try {
            reserved = range.moveSegments(head, newHead, count, () -> {
                table.retireRun(head, codec);
                segments.vacate(head, count);
            });
        } catch (final VmException | IllegalArgumentException | UnsupportedOperationException failure) {
            segments.release(newHead, wanted);
            throw new ArenaFullException("could not move a block of " + count * segmentBytes + " bytes to grow it: "
                + failure.getMessage() + "; the block is unchanged", failure);
        }
        if (!reserved) {
            segments.quarantine(head, count);
        }
        return runHandle(newHead);
    }

    /**
     * The first of {@code count} free segments in a row: existing ones, else after giving back
     * empty segments that size classes keep, else by growing (which may move the arena).
     */
    private int takeRun(final int count) {
        int head = segments.find(count);
        if (head == SegmentTable.NONE && smallBlocks.retireEmptyCurrents()) {
            head = segments.find(count);
        }
        return head != SegmentTable.NONE ? head : segments.takeByGrowing(count);
    }

    /** Whether segments {@code [from, to)} are free; those past the table's end count as free. */
    private boolean freeFrom(final int from, final int to) {
        for (int index = from; index < Math.min(to, table.segmentCount()); index++) {
            if (!table.isFree(index)) {
                return false;
            }
        }
        return true;
    }

    private int segmentsFor(final long lengthBytes) {
        return (int)((lengthBytes + segmentBytes - 1) / segmentBytes);
    }

    /**
     * The segment index of a live block's handle, or why the handle is refused: {@link #NULL_HANDLE},
     * {@link #NOT_A_BLOCK} (no block starts there: forged, or from an arena of another shape),
     * {@link #FREED} (its block is free, or its slot retired after handing this handle out last),
     * {@link #STALE} (its block was freed and the slot or segment handed out again since), or
     * {@link #OTHER_ARENA} (the tag is another arena's). Reads each array once into a local, so
     * that a racing growth in a shared arena yields a verdict, never an exception.
     */
    int check(final long handle) {
        if (handle == 0) {
            return NULL_HANDLE;
        }
        final int segmentIndex = codec.segmentIndex(handle);
        final byte[] state = table.state;
        if (codec.hasStrayBits(handle) || segmentIndex >= table.segmentCount() || segmentIndex >= state.length) {
            return NOT_A_BLOCK;
        }
        final int slot = codec.slot(handle);
        final int generation;
        if (state[segmentIndex] == SegmentTable.CLASS) {
            final SlotMap[] slotMaps = table.slotMaps;
            final SlotMap slotMap = segmentIndex < slotMaps.length ? slotMaps[segmentIndex] : null;
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
        } else if (state[segmentIndex] == SegmentTable.RUN_HEAD) {
            if (codec.tag(handle) != tag) {
                return OTHER_ARENA;
            }
            final int[] runSerial = table.runSerial;
            final int[] floors = table.generation;
            if (segmentIndex >= runSerial.length || segmentIndex >= floors.length) {
                return NOT_A_BLOCK; // a racing growth: the arrays are being replaced
            }
            if (slot != runSerial[segmentIndex]) {
                return STALE; // an earlier run's serial, or a block's slot from an earlier use
            }
            generation = floors[segmentIndex];
        } else {
            return NOT_A_BLOCK;
        }
        // Unchecked, a class segment's blocks all have its floor: the compare still catches
        // handles from an earlier use of the segment.
        return codec.generation(handle) != generation ? STALE : segmentIndex;
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
        final int segmentIndex = (int)(handle >>> handleSegmentShift) & handleSegmentMask;
        if (segmentIndex < 0 || segmentIndex >= slotMaps.length) { // the array's own range check, so C2 checks once
            return null;
        }
        final SlotMap slotMap = slotMaps[segmentIndex];
        final int slot = (int)handle & slotMask;
        if (slotMap == null || slot >= slotMap.slotCount() || handle != slotMap.handle(slot)) {
            return null;
        }
        return slotMap;
    }

    /**
     * For tests: whether {@code handle} resolves on the fast path (one compare), as every live
     * small block's handle must; a miss still works, through {@link #check}, only slower.
     */
    boolean resolvesOnFastPath(final long handle) {
        final SlotMap slotMap = smallBlock(handle);
        return slotMap != null && slotMap.isTaken((int)handle & slotMask);
    }

    /** The address of a live block, or a negative verdict of {@link #check}. */
    long addressOf(final long handle) {
        final SlotMap slotMap = smallBlock(handle);
        if (slotMap != null && slotMap.isTaken((int)handle & slotMask)) {
            return range.base() + ((long)slotMap.segmentIndex << segmentShift)
                + ((int)handle & slotMask) * slotMap.blockBytes(); // the fast path
        }
        final int segmentIndex = check(handle);
        return segmentIndex < 0 ? segmentIndex : address(handle, segmentIndex);
    }

    /** {@link #check}, with the fast path of {@link #addressOf} first for a live small block. */
    int liveSegment(final long handle) {
        final SlotMap slotMap = smallBlock(handle);
        if (slotMap != null && slotMap.isTaken((int)handle & slotMask)) {
            return slotMap.segmentIndex;
        }
        return check(handle);
    }

    /** The address of a block whose handle passed {@link #check}. */
    long address(final long handle, final int segmentIndex) {
        final long segmentAddress = range.base() + ((long)segmentIndex << segmentShift);
        if (table.state[segmentIndex] == SegmentTable.CLASS) {
            return segmentAddress + codec.slot(handle) * table.slotMaps[segmentIndex].blockBytes();
        }
        return segmentAddress;
    }

    /** The usable bytes of a block whose handle passed {@link #check}. */
    long capacity(final int segmentIndex) {
        if (table.state[segmentIndex] == SegmentTable.CLASS) {
            return classBytes[table.detail[segmentIndex]];
        }
        return table.detail[segmentIndex] * segmentBytes;
    }

    /**
     * Gives back retained free segments, then the fully free pages of class segments, until
     * {@code bytes} are given back; returns the bytes given back.
     */
    long trim(final long bytes) {
        long givenBytes = segments.trim(bytes);
        final long pageSize = range.space().pageSize();
        for (int index = 0; index < table.segmentCount() && givenBytes < bytes; index++) {
            if (table.state[index] == SegmentTable.CLASS) {
                givenBytes += trimPages(index, pageSize, bytes - givenBytes);
            }
        }
        return givenBytes;
    }

    private long trimPages(final int segmentIndex, final long pageSize, final long bytes) {
        final SlotMap slotMap = table.slotMaps[segmentIndex];
        final long blockBytes = slotMap.blockBytes();
        final long segmentAddress = range.segmentAddress(segmentIndex);
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
                && slotMap.allFree(firstSlot, endSlot)) {
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

    /** Gives a stretch of pages back; returns the bytes the kernel kept (0, or all of them). */
    private long releaseStretch(final long segmentAddress, final long startOffset, final long endOffset) {
        if (startOffset >= 0 && !range.release(segmentAddress + startOffset, endOffset - startOffset)) {
            return endOffset - startOffset;
        }
        return 0;
    }
}
