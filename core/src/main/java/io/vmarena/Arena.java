package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.FaultObserver;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An off-heap arena: a growable range of virtual memory from which blocks are allocated and
 * freed by handle. The arena grows, and reallocates large blocks, by moving page tables with
 * {@code mremap} instead of copying: moving a populated gigabyte costs microseconds.
 *
 * <pre>
 * try (Arena arena = Arena.builder().name("cache").build()) {
 *     long handle = arena.allocate(64);
 *     UnsafeBuffer view = new UnsafeBuffer(0, 0);
 *     arena.wrap(view, handle);
 *     view.putLong(0, 42);
 *     arena.free(handle);
 * }
 * </pre>
 *
 * <h2>Handles and addresses</h2>
 * A handle is a non-zero {@code long} (0 is the null handle) that stays valid until its block is
 * freed, however often the arena moves or compacts (with a {@link RelocationListener}, until the
 * listener is told of the block's new handle). An address ({@link #address}, {@link #wrap}) is
 * valid only until the next call that may move memory: {@link #allocate}, {@link #reallocate},
 * {@link #compact}, {@link #compactSlice()} and {@link #close} (in a shared arena, any thread's
 * such call and a background {@link CompactionPolicy}'s slices, unless the reader is inside a
 * {@link #read() read section}; the same holds there for {@link #capacity} of a block that
 * compaction may evacuate). Every method that may move memory says so.
 *
 * <h2>Checked mode</h2>
 * Every handle is checked before use, and a refused one is an {@link IllegalArgumentException}
 * that says why; nothing changes. A handle carries its arena's tag (T bits), a generation (G
 * bits), a segment index and a slot; with the default geometry (2 MiB segments, 1 TiB) G = 20
 * and T = 7 ({@code HandleCodec} draws the layout). What is refused, exactly:
 * <ul>
 * <li>In every mode: the null handle (0); a handle with bits where the arena's layout has none;
 * a handle that names no block (forged, or its block was freed and its segment given back); a
 * handle whose block is free and not yet handed out again (a double free, or use after free).</li>
 * <li>In every mode, a handle of another arena of the same geometry, unless that arena has this
 * one's tag. Tags of a width are handed out round robin, skipping tags that open arenas hold:
 * while fewer than 2^T arenas of the width are open, no two share a tag; a closed arena's tag is
 * handed out again only once every other tag free meanwhile has been (2^T - 1 arenas later when
 * no other stays open: 127 by default). With 2^T or more open, a new arena shares the next tag
 * in turn with an open one, and handles between the two are told apart only by chance. An
 * arena of another geometry lays its handles out differently: refused by chance, not by rule.</li>
 * <li>In checked mode (the default), a stale handle (its block was freed and its slot handed
 * out again), unless the slot's generation has since advanced by exactly a multiple of
 * 2^G - 1. Within one use of a segment a slot never repeats a generation: after 65,535 handles
 * it retires instead (its memory unused) until its segment is next given back, when the
 * segment's generations move past all it handed out. So a stale handle can be accepted only
 * after its segment was given back and taken again at least 2^(G-16) times (16 by default),
 * up to 65,535 handles of one slot each time: never in a loop on a segment that stays in use.
 * A run's handle carries a serial in its slot: runs alone started at the same segment bring it
 * back only after (2^G - 1) * 2^slotBits of them (about 2^37 by default).</li>
 * <li>Unchecked (blocks keep no generation of their own): a stale handle is refused only if its
 * segment was given back and taken again since (fewer than 2^G - 1 times); one whose slot was
 * handed out again in the same use of its segment is accepted and names the new block.</li>
 * </ul>
 * These checks catch mistakes; they are not a security boundary: a handle's fields are in plain
 * sight, and anyone who can read one can make one that passes. {@link #CHECKS_ENABLED} turns
 * checked mode off for every arena.
 *
 * <h2>Threads</h2>
 * See {@link Threading}. A confined arena refuses every other thread with an
 * {@link IllegalStateException}, except for {@link #close()} once its owner thread has ended.
 *
 * <h2>Lifecycle</h2>
 * Close every arena: {@link #close()} gives its memory back at once. An arena that becomes
 * unreachable without it is released by a cleaner thread after the garbage collector finds it
 * (its range is unmapped, whatever read sections were left open), and the leak is logged
 * through {@link System.Logger} {@code io.vmarena.Arena}: the first of the process as a
 * WARNING, later ones as DEBUG. {@code -Dvmarena.debug.leaks=true} records where each arena is
 * built and logs every leak as a WARNING with that stack trace. Addresses, like handles, are
 * valid only while their arena can be reached: keep a reference to it for as long as you use
 * its memory. An open {@link ReadSection} that its caller holds is such a reference.
 *
 * <h2>Failure</h2>
 * A call the system refuses part way through a move is undone, and the arena is unchanged
 * ({@link ArenaFullException}). If the undo fails too, the arena's memory is split between two
 * places and it is <em>failed</em>: that call, and every later one but {@link #close()}, throws
 * an {@link IllegalStateException} that says which move failed and where the pieces are; close
 * unmaps what the arena owns. Its range is leased to it ({@link io.vmarena.vm.Lease}): the
 * address space refuses everyone else's calls over it.
 */
public final class Arena implements AutoCloseable {
    /**
     * Whether arenas keep and check per-block generations (checked mode), unless built with
     * {@code checked(false)}. {@code -Dvmarena.disable.checks=true} sets it false for the whole
     * process; read once, so the JIT folds the checks away. The checks that keep every address
     * inside the arena's live blocks stay on regardless.
     */
    public static final boolean CHECKS_ENABLED = !Boolean.getBoolean("vmarena.disable.checks");

    private static final AtomicInteger NAMES = new AtomicInteger();

    private final String name;
    private final Threading threading;
    private final long maximumBytes;
    private final Thread owner;
    private final ReentrantLock lock;
    private final ReadPhaser phaser;
    private final ReadSections sections;
    /**
     * The thread that may change a confined arena on the fast path: its owner, while the arena
     * is open and no read section of it is; null otherwise (and in a shared arena). So the fast
     * path checks thread, closed and sections with one compare (its compiled size decides whether
     * it inlines: see DESIGN.md). A plain field: only the owner writes it while it may read it
     * (another thread closes the arena only after the owner has ended).
     */
    private Thread changer;
    /** Reports a move's long wait for read sections (null when confined). */
    private final MoveWaitReporter moveWaitReporter;
    private final ArenaRange range;
    private final SegmentTable table;
    private final Places places;
    private final Segments segments;
    private final BlockHeap heap;
    private final Compactor compactor;
    private final StatsReader statsReader;
    /** The background compaction task, or null (see {@link CompactionPolicy}); set by build() before it returns. */
    private volatile BackgroundCompaction background;
    /** The {@link ArenaTags} ticket: this arena's tag, and its width for the release. */
    private final int tag;
    private final ArenaCleanup cleanup;
    private volatile boolean closed;
    /**
     * The owner of a confined arena while it is open, null once {@link #closed} (or when
     * shared): a confined call checks thread and state with this one compare.
     */
    private volatile Thread openOwner;
    /**
     * Why the arena has failed (a move that could not be undone, memory close could not unmap),
     * or null: set with {@link #closed}, so every call that checks it refuses with this message.
     */
    private volatile String failure;
    private boolean tagReleased;
    /** The address space the arena was built on (its range calls go through a leased view of it). */
    private final AddressSpace space;
    /** The simulator, told of put's writes and get's reads as the CPU's faults would tell Linux; null on Linux. */
    private final FaultObserver faultObserver;
    /**
     * The pinning policy that registered the arena last, held weakly (an arena never keeps a
     * policy reachable), or null: a second policy would undo the first's pins every round.
     */
    private volatile WeakReference<PinningPolicy> pinningPolicy;

    private Arena(final Builder builder, final ArenaGeometry geometry) {
        name = builder.name != null ? builder.name : "arena-" + NAMES.incrementAndGet();
        threading = builder.threading;
        maximumBytes = geometry.maximumBytes;
        final boolean shared = threading == Threading.SHARED;
        owner = shared ? null : Thread.currentThread();
        openOwner = owner;
        lock = shared ? new ReentrantLock() : null;
        // Only a shared arena reads the warning (and its property): it has no effect on a confined one.
        final Duration moveWaitWarning = shared ? MoveWaitReporter.warning(builder.moveWaitWarning) : null;
        phaser = shared ? new ReadPhaser(MoveWaitReporter.nanos(moveWaitWarning), lock) : null;
        sections = shared ? new ReadSections(name, phaser) : new ReadSections(name, owner);
        changer = owner;
        moveWaitReporter = shared ? new MoveWaitReporter(sections.registry(), moveWaitWarning) : null;
        if (shared) {
            phaser.listener(moveWaitReporter);
        }
        range = new ArenaRange(name, geometry.space, shared ? phaser : MoveGate.NONE, geometry.segmentBytes,
            geometry.initialBytes, builder.inPlaceGrowth, builder.moveStrategy, new FailureSink(this),
            new HugePageAdvice(name, builder.hugePages));
        final int initialSegments = (int)(geometry.initialBytes / geometry.segmentBytes);
        table = new SegmentTable(initialSegments, (int)(geometry.maximumBytes / geometry.segmentBytes));
        places = new Places(initialSegments);
        segments = new Segments(name, places, range, geometry.segmentBytes, geometry.maximumBytes,
            geometry.retainedBytes, builder.pinFallback);
        final HandleCodec codec = geometry.codec;
        tag = ArenaTags.acquire(codec.tagBits());
        heap = new BlockHeap(range, table, segments, codec, tag, CHECKS_ENABLED && builder.checked,
            geometry.segmentBytes);
        compactor = new Compactor(name, heap, segments, range, builder.compactionPauseBudget,
            builder.evacuationThreshold, builder.relocationListener);
        heap.listened(builder.relocationListener != null);
        final ResidentAccount residentAccount = new ResidentAccount(places, table, range, geometry.segmentBytes);
        range.onPopulated(residentAccount);
        statsReader = new StatsReader(range, places, segments, heap, compactor, residentAccount);
        cleanup = ArenaCleanup.register(this, name, range, segments, tag, lock);
        space = geometry.space;
        faultObserver = space instanceof FaultObserver ? (FaultObserver)space : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return name;
    }

    public Threading threading() {
        return threading;
    }

    /**
     * Allocates a block of at least {@code lengthBytes}; its contents are unspecified (zero when
     * its memory is fresh). May move memory: when the arena is full it grows.
     *
     * @return the block's handle, never 0
     * @throws IllegalArgumentException when {@code lengthBytes} is not positive or exceeds the
     *     arena's maximum size
     * @throws ArenaFullException when the arena cannot grow enough; nothing is allocated
     * @throws IllegalStateException when the arena is closed, or has failed (see Failure in the
     *     class comment): a growth that moved it failed and could not be undone
     */
    public long allocate(final long lengthBytes) {
        if (lock == null) {
            ensureOwnerOutsideSection("allocate");
            try {
                return heap.allocate(checkLength(lengthBytes));
            } finally {
                Reference.reachabilityFence(this); // see ArenaCleanup
            }
        }
        lockForChange("allocate");
        try {
            return heap.allocate(checkLength(lengthBytes));
        } finally {
            lock.unlock();
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    /**
     * Frees a block. Its handle, and any address into it, is invalid afterwards.
     *
     * @throws IllegalArgumentException for a handle the checks of the class comment refuse (the
     *     null handle, no live block, a double free, another arena's, a stale one); nothing changes
     */
    public void free(final long handle) {
        final int verdict;
        if (lock == null) {
            ensureOwnerOutsideSection("free");
            try {
                verdict = heap.free(handle);
            } finally {
                Reference.reachabilityFence(this);
            }
        } else {
            lockForChange("free");
            try {
                verdict = heap.free(handle);
            } finally {
                lock.unlock();
                Reference.reachabilityFence(this); // see ArenaCleanup
            }
        }
        if (verdict < 0) {
            throw refused(handle, "free", verdict);
        }
    }

    /**
     * Resizes a block, keeping its first {@code min(old, new)} bytes, and returns the handle to
     * use from now on (the old one is invalid unless it is the same). A large block grows in
     * place where it can, else moves without copying; a small one is copied. May move memory.
     *
     * @throws IllegalArgumentException for a bad handle (see {@link #free}) or length (see
     *     {@link #allocate}); the block is unchanged
     * @throws ArenaFullException when the arena cannot grow enough; the block is unchanged
     * @throws IllegalStateException when the arena is closed, or has failed (see Failure in the
     *     class comment): a move of the block or of the arena failed and could not be undone
     */
    public long reallocate(final long handle, final long lengthBytes) {
        if (lock == null) {
            ensureOwnerOutsideSection("reallocate");
            try {
                return heap.reallocate(checkHandle(handle, "reallocate"), checkLength(lengthBytes));
            } finally {
                Reference.reachabilityFence(this);
            }
        }
        lockForChange("reallocate");
        try {
            return heap.reallocate(checkHandle(handle, "reallocate"), checkLength(lengthBytes));
        } finally {
            lock.unlock();
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    /**
     * The block's address. Valid only until the next call that may move memory (see the class
     * comment); in a shared arena, use it inside a {@link #read() read section}.
     *
     * @throws IllegalArgumentException for a bad handle (see {@link #free})
     */
    public long address(final long handle) {
        ensureReadable();
        final long address = heap.addressOf(handle);
        if (address < 0) {
            throw refused(handle, "address", (int)address);
        }
        return address;
    }

    /** The block's usable length in bytes: at least what was asked for. */
    public long capacity(final long handle) {
        ensureReadable();
        final SlotMap slotMap = heap.liveSmallBlock(handle);
        if (slotMap != null) {
            return slotMap.blockBytes(); // the fast path
        }
        final long capacity = heap.capacity(checkHandle(handle, "capacity"));
        if (capacity < 0) {
            throw refused(handle, "capacity", (int)capacity);
        }
        return capacity;
    }

    /**
     * Points {@code view} at the block: {@code view.wrap(address(handle), capacity)}. Allocates
     * nothing. Like {@link #address}, the view is valid only until the next call that may move
     * memory.
     *
     * @throws IllegalArgumentException for a bad handle, a block of 2 GiB or more (a buffer's
     *     capacity is an int: use {@link #address} for such blocks), or a {@code view} that cannot
     *     point at an address (Agrona's expandable buffers own their memory): the message names its
     *     class and says to use an {@link org.agrona.concurrent.UnsafeBuffer}
     */
    public void wrap(final MutableDirectBuffer view, final long handle) {
        ensureReadable();
        final SlotMap slotMap = heap.liveSmallBlock(handle);
        if (slotMap != null) {
            pointAt(view, heap.blockAddress(slotMap, handle), (int)slotMap.blockBytes()); // the fast path
            return;
        }
        final long live = checkHandle(handle, "wrap");
        final long capacity = heap.capacity(live);
        final long address = heap.address(live);
        if (capacity < 0 || address < 0) {
            throw refused(handle, "wrap", (int)Math.min(capacity, address));
        }
        if (capacity > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot wrap a block of " + capacity + " bytes in a buffer (at most "
                + Integer.MAX_VALUE + "): use address(handle) and capacity(handle) for blocks this large");
        }
        pointAt(view, address, (int)capacity);
    }

    /** {@code view.wrap(address, lengthBytes)}, refusing a buffer that cannot point at an address with a reason. */
    private static void pointAt(final MutableDirectBuffer view, final long address, final int lengthBytes) {
        try {
            view.wrap(address, lengthBytes);
        } catch (final UnsupportedOperationException cannotWrap) {
            throw new IllegalArgumentException("wrap(view, handle): a " + view.getClass().getName() + " cannot point "
                + "at an address (its wrap(long, int) is unsupported: it owns its memory); use an "
                + "org.agrona.concurrent.UnsafeBuffer (one, reused: new UnsafeBuffer(0, 0)), or copy with "
                + "put(handle, ...) and get(handle, ...)", cannotWrap);
        }
    }

    /**
     * Copies {@code length} bytes of {@code source}, from {@code sourceOffset}, into the block of
     * {@code handle} at {@code offset}: the checked way to write a block without an address.
     * Every number is checked against the array and the block's {@linkplain #capacity capacity}
     * before a byte is copied. Allocates nothing and makes no system call (in a shared arena,
     * once the thread has used the arena: see {@link #read()}). Does not move memory.
     *
     * <p>In a shared arena the copy runs inside a read section of the calling thread, so memory
     * does not move under it; as any section, it does not stop another thread from freeing the
     * block meanwhile (see {@link Threading}): then the copy is refused, or lands in memory that
     * is no longer the block's, never outside the arena's mapped memory. It may be called inside
     * the thread's own sections (it nests in them).
     *
     * @throws NullPointerException when {@code source} is null
     * @throws IndexOutOfBoundsException when {@code sourceOffset} and {@code length} are not a
     *     range of {@code source}, or {@code offset} and {@code length} not one of the block,
     *     naming the numbers; nothing is copied
     * @throws IllegalArgumentException for a handle {@link #address} refuses, with the same reason
     * @throws IllegalStateException when the arena is closed or failed, or confined to another thread
     */
    public void put(final long handle, final long offset, final byte[] source, final int sourceOffset,
        final int length) {
        CopyBounds.checkCaller("put", "source", name, source.length, sourceOffset, length);
        copy("put", handle, offset, source, BufferUtil.ARRAY_BASE_OFFSET + sourceOffset, length, true);
    }

    /**
     * Copies {@code length} bytes of the block of {@code handle}, from {@code offset}, into
     * {@code destination} at {@code destinationOffset}: the checked way to read a block without
     * an address. Checks, threads and costs as {@link #put(long, long, byte[], int, int)}.
     *
     * @throws NullPointerException when {@code destination} is null
     * @throws IndexOutOfBoundsException when a range does not fit the array or the block, naming
     *     the numbers; nothing is copied
     * @throws IllegalArgumentException for a handle {@link #address} refuses, with the same reason
     * @throws IllegalStateException when the arena is closed or failed, or confined to another thread
     */
    public void get(final long handle, final long offset, final byte[] destination, final int destinationOffset,
        final int length) {
        CopyBounds.checkCaller("get", "destination", name, destination.length, destinationOffset, length);
        copy("get", handle, offset, destination, BufferUtil.ARRAY_BASE_OFFSET + destinationOffset, length, false);
    }

    /**
     * Copies {@code length} bytes of {@code source}, from {@code sourceOffset}, into the block of
     * {@code handle} at {@code offset}; the buffer's range is checked against its
     * {@code capacity()}. Any {@link DirectBuffer}: on the heap or off it, an arena's view included
     * (overlapping ranges copy as if through a temporary buffer). Otherwise as
     * {@link #put(long, long, byte[], int, int)}.
     *
     * @throws NullPointerException when {@code source} is null
     * @throws IndexOutOfBoundsException when a range does not fit the buffer or the block, naming
     *     the numbers; nothing is copied
     * @throws IllegalArgumentException for a handle {@link #address} refuses, with the same reason
     * @throws IllegalStateException when the arena is closed or failed, or confined to another thread
     */
    public void put(final long handle, final long offset, final DirectBuffer source, final int sourceOffset,
        final int length) {
        CopyBounds.checkCaller("put", "source", name, source.capacity(), sourceOffset, length);
        copy("put", handle, offset, source.byteArray(), source.addressOffset() + sourceOffset, length, true);
    }

    /**
     * Copies {@code length} bytes of the block of {@code handle}, from {@code offset}, into
     * {@code destination} at {@code destinationOffset}; the buffer's range is checked against its
     * {@code capacity()}, and an expandable buffer is not expanded (make room first with its
     * {@code checkLimit}). Otherwise as {@link #put(long, long, DirectBuffer, int, int)}.
     *
     * @throws NullPointerException when {@code destination} is null
     * @throws IndexOutOfBoundsException when a range does not fit the buffer or the block, naming
     *     the numbers; nothing is copied
     * @throws IllegalArgumentException for a handle {@link #address} refuses, with the same reason;
     *     for a destination that wraps a read-only {@link java.nio.ByteBuffer} (a file mapped
     *     {@code READ_ONLY}: the copy would crash the JVM), copying nothing
     * @throws IllegalStateException when the arena is closed or failed, or confined to another thread
     */
    public void get(final long handle, final long offset, final MutableDirectBuffer destination,
        final int destinationOffset, final int length) {
        CopyBounds.checkCaller("get", "destination", name, destination.capacity(), destinationOffset, length);
        CopyBounds.checkWritable("get", handle, name, destination.byteBuffer());
        copy("get", handle, offset, destination.byteArray(), destination.addressOffset() + destinationOffset, length,
            false);
    }

    /**
     * put and get: the caller's range is checked; {@code base} and {@code baseOffset} name its
     * first byte as {@link MemoryCopy#copy(Object, long, Object, long, long)} takes it. A shared
     * arena's copy runs in a read section (nested in the caller's, if any), unless the calling
     * thread holds the arena's lock (a relocation listener during compaction): no other thread
     * can move or free anything then, and entering the gate its own move closed would wait for
     * itself.
     */
    private void copy(final String operation, final long handle, final long offset, final Object base,
        final long baseOffset, final int length, final boolean intoBlock) {
        ensureReadable();
        if (lock == null || lock.isHeldByCurrentThread()) {
            try {
                copyResolved(operation, handle, offset, base, baseOffset, length, intoBlock);
            } finally {
                Reference.reachabilityFence(this); // see ArenaCleanup
            }
            return;
        }
        final ReadSection section = sections.open();
        try {
            ensureOpen(); // a close that ran before the section entered the gate has unmapped the memory
            copyResolved(operation, handle, offset, base, baseOffset, length, intoBlock);
        } finally {
            section.close();
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    /** Resolves the handle, checks the block's range, copies; memory holds still meanwhile (see {@link #copy}). */
    private void copyResolved(final String operation, final long handle, final long offset, final Object base,
        final long baseOffset, final int length, final boolean intoBlock) {
        final long blockAddress;
        final long capacityBytes;
        final SlotMap slotMap = heap.liveSmallBlock(handle);
        if (slotMap != null) {
            blockAddress = heap.blockAddress(slotMap, handle); // the fast path
            capacityBytes = slotMap.blockBytes();
        } else {
            final long live = checkHandle(handle, operation);
            blockAddress = heap.address(live);
            capacityBytes = heap.capacity(live);
            if (capacityBytes < 0 || blockAddress < 0) {
                throw refused(handle, operation, (int)Math.min(capacityBytes, blockAddress));
            }
        }
        CopyBounds.checkBlock(operation, handle, name, capacityBytes, offset, length);
        if (length == 0) {
            return;
        }
        final long address = blockAddress + offset;
        if (!heap.committed(address, length)) {
            // Only when another thread freed the block as this one resolved it: never copy outside mapped memory.
            throw refused(handle, operation, BlockHeap.NOT_A_BLOCK);
        }
        if (intoBlock) {
            MemoryCopy.copy(base, baseOffset, null, address, length);
            if (faultObserver != null) {
                faultObserver.written(address, length);
            }
        } else {
            if (faultObserver != null) {
                faultObserver.read(address, length);
            }
            MemoryCopy.copy(null, address, base, baseOffset, length);
        }
    }

    /**
     * Gives memory back to the system: free segments kept for reuse, highest first, then the
     * pages of small-block segments that hold no live block, until {@code bytes} are given back
     * or nothing more can be. Does not move memory. In an arena built with
     * {@link HugePages#WANTED} it does not split a huge page still in use:
     * {@link #trim(long, boolean) trim(bytes, false)}; in any other, {@code trim(bytes, true)}.
     * In a pinned arena free segments are unlocked first; the free pages of segments in use stay
     * locked (see {@link #pin()}).
     *
     * @return the bytes given back (their pages read as zeros when used again)
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public long trim(final long bytes) {
        return trim(bytes, range.hugePages() != HugePages.WANTED);
    }

    /**
     * {@link #trim(long)}, saying whether it may split a transparent huge page that is still in
     * use. Giving back part of a huge page (MADV_DONTNEED) splits it into base pages for good:
     * its other part, in use, costs a TLB entry per page from then on. With
     * {@code splitHugePages} false, and the PMD (huge page) size {@code P} (2 MiB on x86-64),
     * trim skips:
     * <ul>
     * <li>a free segment kept for reuse whose P-aligned range of addresses also holds a segment in
     * use (only segments smaller than P share one: with the default segments of 2 MiB on
     * x86-64, none is skipped);</li>
     * <li>the free pages of a small-block segment, unless they fill a whole P-aligned range
     * without a live block (so only in segments larger than P).</li>
     * </ul>
     * The skipped memory stays resident and is given back once its neighbours are free. In an
     * arena built with {@link HugePages#REFUSED} there is no huge page to split, and
     * {@code splitHugePages} has no effect. Does not move memory.
     *
     * @return the bytes given back (their pages read as zeros when used again)
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public long trim(final long bytes, final boolean splitHugePages) {
        if (bytes < 0) {
            throw new IllegalArgumentException("trim(" + bytes + "): the byte count must not be negative "
                + "(Long.MAX_VALUE gives back everything it can)");
        }
        if (lock == null) {
            ensureOwnerOutsideSection("trim");
            try {
                return heap.trim(bytes, keptWholeBytes(splitHugePages));
            } finally {
                Reference.reachabilityFence(this);
            }
        }
        lockForChange("trim");
        try {
            return heap.trim(bytes, keptWholeBytes(splitHugePages));
        } finally {
            lock.unlock();
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    /** The span trim keeps whole: the PMD size, or 0 when it may split huge pages or there are none. */
    private long keptWholeBytes(final boolean splitHugePages) {
        return splitHugePages || range.hugePages() == HugePages.REFUSED ? 0 : range.pmdBytes();
    }

    /**
     * The arena's accounting and memory, cheap enough to poll: a pass over its own tables and a
     * microsecond per VMA, whatever its resident size, where transparent huge pages cannot be in
     * effect (see {@link ArenaStats} for what each figure is and what it costs). The memory figures
     * {@code residentBytes} and {@code lockedBytes} are the arena's own account, an upper bound of
     * what is in memory (exact when every byte handed out was written), with no system call;
     * {@code vmaCount} one {@code PROCMAP_QUERY} per VMA of the range (Linux 6.11+), never a read
     * of /proc/self/smaps; {@code hugePageBytes} a walk of the range's page tables only where
     * transparent huge pages may be in effect, else 0. For what is in memory as measured, ask
     * {@link #residency()}. Does not move memory: allowed inside a read section, where it may
     * wait for a change under way that does not move memory, never for one that waits for the
     * section.
     *
     * <p><b>From any thread.</b> A shared arena holds its lock only while it reads its own
     * tables, then asks the address space about its range with the lock free, inside a read
     * section: other threads allocate, free, trim and pin meanwhile, and only a call that moves
     * or unmaps memory (growth by moving, a moving reallocation, compaction, close) waits for
     * it, so the figures are never those of a range that moved or was unmapped. Its figures are
     * each the arena's during the call, not one snapshot: the accounting and the forecast from
     * one moment, and the VMA count (and huge-page bytes) of the same range read a little later
     * (VMAs are read one at a time, so one that another thread's change merges or splits
     * meanwhile may be counted twice or not at all). A confined arena answers its owner from one
     * moment, and any other thread (a monitor, a JMX agent) without stopping or slowing the
     * owner: the owner's calls write nothing for it. Such a reader gets figures each computed
     * from values the arena held during the call, not one consistent snapshot (usedBytes may be
     * from before an allocation that classSegments is from after; the VMA count is of the range
     * where the arena was when the call read its base, which a growth may have moved since);
     * and the three forecast figures ({@code reclaimableBytes}, {@code reclaimableReservedBytes},
     * {@code compactionEstimate}) are those of the owner's last stats() or compaction-policy check,
     * zero before the first. It never fails or waits, however the owner races it (allocating,
     * growing, compacting, trimming, pinning), except for the refusal below.
     *
     * @throws IllegalStateException when the arena is closed or failed (for a reader on another
     *     thread: before or after the call read it, so no figure read during close is returned)
     */
    public ArenaStats stats() {
        return readFigures(StatsReader.Accounting::stats);
    }

    /**
     * The arena's memory as measured: its range's resident, locked and huge-page bytes as
     * /proc/self/smaps counts them (Rss, Locked, AnonHugePages), by one walk of the range's page
     * tables ({@code PAGEMAP_SCAN}, Linux 6.7+; see {@link io.vmarena.vm.AddressSpace#residency}
     * for older kernels), never a read of all of smaps. It costs 10 to 25 ns per resident page
     * (here 2.7 to 2.8 ms for a resident GiB of 4 KiB pages, 38 µs for one of huge pages; see
     * StatsBenchmark {@code source=residency}), where {@link #stats()} costs microseconds: poll
     * stats(), and ask this when what is in memory must be exact (a test, a diagnosis, a report
     * of the process's memory). Does not move memory, and reads from any thread as
     * {@link #stats()} does: a shared arena holds its lock only while it reads its own tables and
     * walks with it free, inside a read section that moves and close wait for (the figures are
     * of the range read a little after the tables; locked bytes are those of the segments locked
     * when the tables were read); a confined arena answers a thread other than its owner without
     * stopping it, from the range where the arena was when the call read its base.
     *
     * @throws IllegalStateException when the arena is closed or failed, as {@link #stats()}
     */
    public ArenaResidency residency() {
        return readFigures(StatsReader.Accounting::residency);
    }

    /**
     * stats() and residency(): the tables captured as this thread may (the owner's, under a shared
     * arena's lock, inside a section, or racing a confined arena's owner), then {@code finish}
     * asks the address space about the range, with the range kept where it is.
     */
    private <T> T readFigures(final Function<StatsReader.Accounting, T> finish) {
        if (lock == null) {
            if (Thread.currentThread() != owner) {
                return figuresFromAnotherThread(finish);
            }
            ensureOwner();
            try {
                return statsReader.read(finish);
            } finally {
                Reference.reachabilityFence(this);
            }
        }
        if (sections.callerInside()) {
            return figuresInsideSection(finish);
        }
        lockForChange("stats");
        final StatsReader.Accounting accounting;
        final ReadSection section;
        try {
            accounting = statsReader.capture();
            // Entered under the lock, so it never waits: only the lock's holder closes the gate.
            // It keeps the range mapped where it is, unlocked, until the address space has answered.
            section = sections.open();
        } finally {
            lock.unlock();
        }
        try {
            return finish.apply(accounting);
        } finally {
            section.close();
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    /**
     * Figures from inside a read section, which must not wait for the lock: its holder may be a
     * mover waiting for this very section. So the tables are read under the lock if it is free;
     * else, once the gate is closing, with no lock at all. A mover closing the gate holds the
     * lock and changes nothing until every section entered before it has closed, this one
     * included (a section entered after the gate began to close would still be waiting in
     * enter()), and its writes before closing are visible through the gate's volatile flag; so
     * the tables hold still while they are read. A holder that is not closing the gate finishes
     * without waiting for sections. The address space is asked after, unlocked: the caller's
     * section keeps the range mapped where it is.
     */
    private <T> T figuresInsideSection(final Function<StatsReader.Accounting, T> finish) {
        try {
            return finish.apply(accountingInsideSection());
        } finally {
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    private StatsReader.Accounting accountingInsideSection() {
        while (true) {
            if (lock.tryLock()) {
                try {
                    ensureOpen();
                    return statsReader.capture();
                } finally {
                    lock.unlock();
                }
            }
            if (phaser.closing()) {
                ensureOpen(); // after closing(): close() marks the arena closed before it closes the gate
                return statsReader.capture();
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * stats() or residency() of a confined arena from a thread other than its owner: reads
     * without stopping the owner (see {@link StatsReader#readRacing}), and refuses only a closed
     * or failed arena, checked before and after, so figures read while close() unmapped the
     * range are never returned.
     */
    private <T> T figuresFromAnotherThread(final Function<StatsReader.Accounting, T> finish) {
        ensureOpen();
        try {
            final T figures = statsReader.readRacing(finish);
            ensureOpen();
            return figures;
        } finally {
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    /**
     * Compacts the arena to completion: evacuates sparse small-block segments (their live blocks
     * copied into the fullest segments of their class), packs the others (in a segment whose free
     * blocks below its highest live one add up to a 64th of a segment or a page, whichever is
     * more, the live blocks at the top are copied into the free slots below, until every free slot
     * lies above every live block, so that {@link #trim} can give its free pages back: after
     * random frees a segment's few live blocks otherwise keep every page resident; checked
     * arenas only, see {@link Builder#checked}), slides the live segments down over the
     * free ones by moving page tables (one {@code mremap} per run of segments that move by the
     * same distance, however many VMAs it spans, on Linux 6.17+; one per VMA before), gives the
     * freed tail back and shrinks the reservation toward the live data, keeping room to grow.
     * Works in slices of at most the arena's pause budget
     * ({@link Builder#compactionPauseBudget}); in a shared arena other threads may allocate and
     * read between slices, and a reader waits at most one slice. May move memory.
     *
     * <p>Every handle stays valid: a segment that moves keeps its handles, and a block that
     * evacuation or packing copied is found through its old handle (the arena forwards it) unless a
     * {@link Builder#relocationListener relocation listener} took the new handle. Freed and
     * stale handles stay refused. Addresses taken before are stale. A forward costs the old
     * segment's id (ids are as many as {@code maximumBytes / segmentBytes}) until every block it
     * forwarded is freed or a later compaction finds them gone, so forwards may hold at most half
     * of the ids the arena's present range leaves over: near its maximum, or with an initial size
     * equal to it, an arena without a listener stops evacuating and only slides.
     *
     * @return what it did, with the memory before and after
     * @throws CompactionFailedException when the system refused a move part way: the move was
     *     undone, every byte is where it was before that move, and the arena is usable (the
     *     slices before it stand)
     * @throws IllegalStateException when the arena is closed or failed, called from another
     *     thread (confined), inside a read section, or from a relocation listener; or when a
     *     refused move could not be undone either (the arena has failed, see the class comment)
     * @throws RuntimeException whatever a relocation listener threw (see
     *     {@link RelocationListener}): the arena is consistent and usable
     */
    public CompactionResult compact() {
        CompactionResult total = null;
        while (true) {
            final CompactionResult slice = compactSlice(compactor.pauseBudgetNanos(), "compact", total == null, false);
            total = total == null ? slice : total.plus(slice);
            if (slice.complete()) {
                return total;
            }
        }
    }

    /**
     * One slice of {@link #compact()}: at most the arena's pause budget of work (it may overrun
     * by one move of a large block, which is never left half moved), then it returns.
     *
     * @return what it did; {@link CompactionResult#complete()} says whether the arena is as
     *     compact as it gets, or more slices are needed
     * @throws IllegalStateException as {@link #compact()}
     * @throws CompactionFailedException as {@link #compact()}
     * @throws RuntimeException as {@link #compact()}
     */
    public CompactionResult compactSlice() {
        return compactSlice(compactor.pauseBudgetNanos(), "compactSlice", true, true);
    }

    /**
     * {@link #compactSlice()} with its own pause budget.
     *
     * @throws IllegalArgumentException when {@code pauseBudget} is not positive
     */
    public CompactionResult compactSlice(final Duration pauseBudget) {
        return compactSlice(Compactor.budgetNanos(pauseBudget, "pauseBudget"), "compactSlice", true, true);
    }

    private CompactionResult compactSlice(final long budgetNanos, final String operation, final boolean measureBefore,
        final boolean measureAfter) {
        if (lock == null) {
            ensureOwnerOutsideSection(operation);
            changer = null; // a relocation listener's calls take the slow path, which refuses them
            try {
                return compactor.slice(budgetNanos, measureBefore, measureAfter);
            } finally {
                if (!closed && !sections.callerInside()) { // a section the listener left open holds changes off
                    changer = owner;
                }
                Reference.reachabilityFence(this);
            }
        }
        lockForChange(operation);
        try {
            return compactor.slice(budgetNanos, measureBefore, measureAfter);
        } finally {
            lock.unlock();
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    /**
     * Pins the arena in RAM: {@code mlock2(MLOCK_ONFAULT)} over the memory it holds (segments in
     * use, and free ones it retains for reuse), so pages lock as they are first touched and
     * nothing is faulted in now; whatever it commits later is locked as it is committed. It stays
     * pinned as it grows, moves, compacts and reallocates large blocks (a move takes the lock
     * along). Free segments beyond the retained ceiling are unlocked and then given back, so the
     * locked bytes follow the bytes the arena holds. Costs one system call per stretch of
     * segments, whatever their size: microseconds for gigabytes.
     *
     * <p>A kernel that says no never breaks the arena: it keeps working, unpinned in part or
     * whole, and the returned status (and {@link ArenaStats#pin()}) says why and what to do, as
     * does one WARNING log per kind of refusal. RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK (EPERM):
     * nothing is pinned. The limit reached (ENOMEM): what fits is pinned, the rest is not, and
     * growth past it goes on unpinned. A kernel without MLOCK_ONFAULT: refused, or plain mlock
     * with {@link Builder#pinFallback}. Pinning again retries what was left unpinned; each kind
     * of refusal is logged once in the arena's life.
     *
     * @return how the arena is pinned now
     * @throws IllegalStateException when the arena is closed or failed, called from another
     *     thread (confined), inside a read section, or from a relocation listener
     */
    public PinStatus pin() {
        return changeResidency("pin", () -> segments.pinning().pin(Long.MAX_VALUE, "pin()"));
    }

    /**
     * Pins at most {@code limitBytes} of the arena (the lowest places first), unlocking locked
     * places above that: a pinning policy's share of its budget.
     */
    PinStatus pin(final long limitBytes, final String by) {
        return forPolicy("pin", () -> segments.pinning().pin(limitBytes, by));
    }

    /**
     * Unpins the arena: {@code munlock} over what it locked; the pages stay in memory, free to be
     * swapped or given back. Unpinning an arena that is not pinned changes nothing.
     *
     * @return the status now: {@link PinState#UNPINNED}
     * @throws IllegalStateException as {@link #pin()}
     */
    public PinStatus unpin() {
        return changeResidency("unpin", () -> segments.pinning().unpin());
    }

    /** Unpins the arena; {@code why} is what its stats say then (a pinning policy's decision). */
    PinStatus unpin(final String why) {
        return forPolicy("unpin", () -> segments.pinning().unpin(why));
    }

    /** How long a pinning policy's round waits for a shared arena's lock before it leaves the arena for the next round. */
    static final long POLICY_LOCK_WAIT_MILLIS = 100;

    /**
     * A pinning policy's call: like {@link #residency}, but in a shared arena it waits for the
     * lock at most {@link #POLICY_LOCK_WAIT_MILLIS} and then refuses (the round leaves the arena
     * as it is). A round holds the policy while it waits, and a thread that waits for the policy
     * may be in a section a mover holding this lock waits for: no wait may be unbounded there.
     */
    private <T> T forPolicy(final String operation, final Supplier<T> change) {
        if (lock == null) {
            return changeResidency(operation, change);
        }
        lockForPolicy(operation);
        try {
            return change.get();
        } finally {
            lock.unlock();
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    private void lockForPolicy(final String operation) {
        ensureOutsideSection(operation);
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException(operation + " in arena '" + name + "' from the thread of a call of the "
                + "arena under way (a relocation listener, say): call the pinning policy after it returns");
        }
        try {
            if (!lock.tryLock(POLICY_LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("arena '" + name + "' stayed busy for " + POLICY_LOCK_WAIT_MILLIS
                    + " ms (a move or a compaction slice under way): the pinning policy leaves it as it is until its "
                    + "next round");
            }
        } catch (final InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for arena '" + name + "'s lock: the pinning "
                + "policy leaves it as it is", interrupted);
        }
        if (closed) {
            lock.unlock();
            throw new IllegalStateException(closedMessage());
        }
    }

    /**
     * Makes the memory the arena holds (segments in use and retained) resident now, before
     * traffic, so that first touches do not fault: {@code MADV_POPULATE_WRITE} (Linux 5.14+);
     * where the kernel lacks it, plain mlock when the arena is pinned; otherwise nothing, and the
     * result says so. Never by writing into the memory, and never past the memory the system has
     * available (MemAvailable): that would invite the OOM killer, so the result says why not.
     * Segments committed later are not populated. In a shared arena other threads' changes wait
     * meanwhile (reads do not).
     *
     * @return the method, the bytes, the resident bytes before and after, and the time it took
     * @throws IllegalStateException as {@link #pin()}
     */
    public PopulateResult populate() {
        return changeResidency("populate", () -> segments.pinning().populate());
    }

    private <T> T changeResidency(final String operation, final Supplier<T> change) {
        if (lock == null) {
            ensureOwnerOutsideSection(operation);
            try {
                return change.get();
            } finally {
                Reference.reachabilityFence(this);
            }
        }
        lockForChange(operation);
        try {
            return change.get();
        } finally {
            lock.unlock();
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
    }

    /** Whether the arena is open (not closed, not failed). */
    boolean isOpen() {
        return !closed;
    }

    /**
     * For {@link BackgroundCompaction}: runs one slice when the policy's thresholds say so. The
     * figures are the bookkeeping's and the address space's VMA count, never smaps: this runs
     * every period.
     */
    void compactIfDue(final CompactionPolicy policy) {
        lockForChange("compactSlice");
        final boolean due;
        try {
            due = compactor.due(policy);
        } finally {
            lock.unlock();
        }
        if (due) {
            // No figures: nobody reads this slice's result, and reading them (a VMA query and mincore
            // over the whole range, before and after) cost more than the slice's work, under the lock.
            compactSlice(compactor.pauseBudgetNanos(), "compactSlice", false, false);
        }
    }

    /**
     * Enters a read section (see {@link ReadSection}), which belongs to the calling thread: in a
     * shared arena, memory does not move until the thread's last open section closes; entering
     * waits while a move is under way. In a confined arena nothing else can move memory while its
     * one thread reads, and that thread's calls that may move it are refused inside a section, as
     * in a shared arena; so the section holds nothing off. Allocates nothing once the thread has
     * used the arena (the section object is the thread's, reused).
     *
     * @throws IllegalStateException when the arena is closed, or confined to another thread, or
     *     called from a relocation listener (the compaction moves memory after it returns), or
     *     (shared) called while a move is under way by the thread making it (a log handler of its
     *     move-wait report), which would wait for itself
     */
    public ReadSection read() {
        ensureReadable();
        if (changer == null && lock == null && compactor.running()) { // the owner's changer is null while it compacts
            throw new IllegalStateException("read() in arena '" + name + "' from inside its compaction (a relocation "
                + "listener): the compaction moves memory after the listener returns, which a section promises "
                + "not to do; take addresses with address() there, and open sections after the compaction returns");
        }
        // Nested sections do not enter the phaser again: that could wait for a move that waits
        // for the outer section.
        final ReadSection section = sections.open();
        section.arena = this; // held by the caller: the arena stays reachable while the section is open
        changer = null; // a confined arena's changes wait until its owner's last section closes
        return section;
    }

    /**
     * Unmaps the arena's memory: every handle and address is invalid afterwards, and every call
     * but {@code close()} throws {@link IllegalStateException}. In a shared arena it waits for
     * open read sections to close. Closing twice does nothing. A confined arena is closed by its
     * owner thread, or by any thread once the owner has ended.
     *
     * <p>An arena that becomes unreachable without {@code close()} is released by a cleaner
     * when the garbage collector finds it, and the leak is logged (see the class comment).
     *
     * <p>A failed arena (see {@link #allocate}) is closed the same way: close unmaps what the
     * arena owns, wherever a failed move left it.
     *
     * @throws IllegalStateException when some of the memory could not be unmapped, saying what
     *     is still mapped; the arena is failed then, and a later {@code close()} tries again
     */
    @Override
    public void close() {
        if (lock == null) {
            if (range.released()) {
                return;
            }
            ensureOwnerOrEnded();
            if (Thread.currentThread() == owner) {
                ensureOutsideSection("close"); // another thread closes only once the owner, and its sections, ended
                ensureNotCompacting("close"); // a listener's close would unmap what the compaction is moving
            }
            release();
            return;
        }
        if (range.released()) {
            return;
        }
        lockForChange("close");
        try {
            if (!range.released()) {
                release();
            }
        } finally {
            lock.unlock();
            Reference.reachabilityFence(this); // see ArenaCleanup
        }
        sections.forgetCaller(); // outside any section (refused above): this thread keeps nothing of the arena
    }

    /** Registers the arena's JMX bean (build()); closes the arena when that is refused. */
    private void registerJmx() {
        try {
            cleanup.jmx(ArenaJmx.register(this));
        } catch (final RuntimeException refused) {
            close(); // its range is not left to the cleaner, nor logged as a leak
            throw refused;
        }
    }

    /**
     * Marks the arena closed and unmaps what it owns; see {@link #close}. Synchronized on the
     * cleanup: a confined arena whose owner has ended may be closed by two threads at once, and a
     * close that could not unmap everything is tried again by the next.
     */
    private void release() {
        synchronized (cleanup) {
            if (range.released()) {
                return; // another thread closed it meanwhile
            }
            cleanup.claim(); // from now on the cleaner leaves it alone; false on a retry
            if (background != null) {
                background.cancel();
            }
            closed = true;
            openOwner = null;
            changer = null;
            if (!tagReleased) {
                tagReleased = true;
                ArenaTags.release(tag);
            }
            range.close(segments.ownedStretches());
        }
    }

    /**
     * Enters the failed state (called by the range, under the arena's lock or on its thread):
     * every later call but close is refused with {@code message}.
     */
    private void fail(final String message) {
        failure = message;
        closed = true;
        openOwner = null;
        changer = null;
    }

    /**
     * Passes a failure of the range on to its arena without keeping the arena reachable: the
     * cleaner's action holds the range, and a reference back would keep a dropped arena forever.
     */
    private static final class FailureSink implements Consumer<String> {
        private final WeakReference<Arena> arena;

        FailureSink(final Arena arena) {
            this.arena = new WeakReference<>(arena);
        }

        @Override
        public void accept(final String message) {
            final Arena failed = arena.get();
            if (failed != null) {
                failed.fail(message);
            }
        }
    }

    /** The pinning policy that registered this arena last, or null; whether it still holds it is the policy's to say. */
    PinningPolicy pinningPolicy() {
        final WeakReference<PinningPolicy> registered = pinningPolicy;
        return registered == null ? null : registered.get();
    }

    /** For {@link PinningPolicy#register}: the policy the arena is registered with now. */
    void pinningPolicy(final PinningPolicy policy) {
        pinningPolicy = new WeakReference<>(policy);
    }

    /** The address space the arena was built on: a {@link PinningPolicy}'s budget is that address space's. */
    AddressSpace addressSpace() {
        return space;
    }

    /**
     * For a {@link PinningPolicy} (shared arenas only): the activity counters and the bytes, read
     * at once under the lock, so that no move comes between the gate's two counters. No smaps.
     *
     * @throws IllegalStateException when the arena is closed, or the caller is inside one of its
     *     read sections
     */
    /** Whether the calling thread is inside a read section of this arena or holds its lock. */
    boolean callerBusy() {
        return sections.callerInside() || lock != null && lock.isHeldByCurrentThread();
    }

    Pinnable.Figures pinFigures() {
        if (lock == null) {
            throw new IllegalStateException("arena '" + name + "' is confined: a pinning policy manages shared arenas");
        }
        if (sections.callerInside()) {
            throw new IllegalStateException("a pinning policy's register() or decide() from inside a read section of "
                + "arena '" + name + "': it takes the arena's lock, which a mover holds while it waits for this very "
                + "section; call it outside the section");
        }
        lockForPolicy("pinFigures");
        try {
            return new Pinnable.Figures(segments.claims(), phaser.entered(), segments.pinning().heldBytes(),
                segments.pinning().pinnedBytes());
        } finally {
            lock.unlock();
        }
    }

    /** The gate of a shared arena (null when confined), for tests' hooks. */
    ReadPhaser readPhaser() {
        return phaser;
    }

    /** The read sections, for tests. */
    ReadSections readSections() {
        return sections;
    }

    /** The report of long move waits (null when confined), for tests that capture it. */
    MoveWaitReporter moveWaitReporter() {
        return moveWaitReporter;
    }

    /** For tests: the allocator behind the arena. */
    BlockHeap heapForTests() {
        return heap;
    }

    /** For tests: whether {@code handle} resolves on the heap's fast path. */
    boolean resolvesOnFastPath(final long handle) {
        return heap.resolvesOnFastPath(handle);
    }

    /** The arena's range, for tests: its first address. */
    long baseAddress() {
        return range.base();
    }

    private long checkLength(final long lengthBytes) {
        // 1 to maximumBytes: both differences non-negative, one branch (the fast path pays per branch)
        if ((lengthBytes - 1 | maximumBytes - lengthBytes) < 0) {
            throw new IllegalArgumentException("cannot allocate " + lengthBytes + " bytes in arena '" + name + "': a "
                + "length must be 1 to the arena's maximum size, " + maximumBytes + " bytes");
        }
        return lengthBytes;
    }

    /** The live handle {@code handle} names (itself, or where evacuation moved its block), or refuses it. */
    private long checkHandle(final long handle, final String operation) {
        final long live = heap.liveHandle(handle);
        if (live >= 0) {
            return live;
        }
        throw refused(handle, operation, (int)live);
    }

    private IllegalArgumentException refused(final long handle, final String operation, final int verdict) {
        return new IllegalArgumentException(operation + "(" + handle + ") in arena '" + name + "': "
            + HandleVerdicts.explain(verdict));
    }

    /**
     * For close(): the owner, or any thread once the owner has ended (Thread.isAlive() false,
     * which also makes every write of the owner visible here).
     */
    private void ensureOwnerOrEnded() {
        if (Thread.currentThread() != owner && owner.isAlive()) {
            ensureOwner(); // throws: confined to a thread that still runs
        }
    }

    private void ensureOwner() {
        if (Thread.currentThread() != openOwner) { // another thread, or closed: one compare on the fast path
            refuseCaller();
        }
    }

    private void refuseCaller() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException(closed ? closedMessage() : "arena '" + name + "' is confined to thread '"
                + owner.getName() + "', and '" + Thread.currentThread().getName() + "' called it: "
                + (owner.isAlive() ? "build it with threading(Threading.SHARED) to use it from several threads"
                : "that thread has ended, so only close() is allowed now, from any thread"));
        }
        if (closed) {
            throw new IllegalStateException(closedMessage());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(closedMessage());
        }
    }

    private void ensureReadable() {
        if (lock == null) {
            ensureOwner();
        } else {
            ensureOpen();
        }
    }

    /**
     * Refuses a call that may move or unmap memory from inside the caller's read section: the
     * addresses taken inside must stay valid (and in a shared arena the move would wait for the
     * section). A confined arena checks it too: ReadSection promises it.
     */
    /**
     * A confined arena's change: the owner, the arena open, no section of the owner's open. One
     * branch for all three (the fast path's compiled size decides whether it inlines; see
     * DESIGN.md), the reason sorted out off the fast path.
     */
    private void ensureOwnerOutsideSection(final String operation) {
        if (Thread.currentThread() != changer) {
            refuseCaller();
            ensureOutsideSection(operation);
            ensureNotCompacting(operation);
        }
    }

    /** Refuses a change from inside a compaction (a relocation listener that calls back). */
    private void ensureNotCompacting(final String operation) {
        if (compactor.running()) {
            throw new IllegalStateException(operation + " in arena '" + name + "' from inside its compaction (a "
                + "relocation listener): the arena is being moved; re-point your index there, and call the arena after "
                + "the compaction returns");
        }
    }

    /** A confined arena's owner closed its last open section: it may change the arena again. */
    void outermostSectionClosed() {
        if (!closed && !compactor.running()) { // a listener's section: its compaction sets the changer after
            changer = owner;
        }
    }

    private void ensureOutsideSection(final String operation) {
        if (sections.callerInside()) {
            throw new IllegalStateException(operation + " in arena '" + name + "' from inside a read section: it "
                + "may move memory, which addresses taken inside a section rely on not doing (in a shared arena a "
                + "move waits for read sections to end); close the section first");
        }
    }

    /**
     * Takes the lock of a shared arena for a change; refuses a thread inside a read section, and
     * the thread of a call under way (the lock is reentrant): code the call runs, a log handler of
     * its move-wait report, would change the arena in the middle of a move.
     */
    private void lockForChange(final String operation) {
        ensureOutsideSection(operation);
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException(operation + " in arena '" + name + "' from the thread of a call of the "
                + "arena under way (a relocation listener during compaction, or a log handler of a move-wait report): "
                + "that call may be moving memory; call the arena after it returns, or from another thread");
        }
        lock.lock();
        if (closed && !operation.equals("close")) {
            lock.unlock();
            throw new IllegalStateException(closedMessage());
        }
    }

    private String closedMessage() {
        final String failed = failure;
        if (failed != null) {
            return failed;
        }
        return "arena '" + name + "' is closed: its memory is unmapped and its handles are invalid";
    }

    /** How an arena is built; every setting has a default. */
    public static final class Builder {
        private String name;
        private AddressSpace addressSpace;
        private long initialBytes = -1;
        private long maximumBytes = ArenaGeometry.DEFAULT_MAXIMUM_BYTES;
        private long segmentBytes = ArenaGeometry.DEFAULT_SEGMENT_BYTES;
        private long retainedBytes = -1;
        private Threading threading = Threading.CONFINED;
        private boolean checked = true;
        private boolean inPlaceGrowth = true;
        private Duration moveWaitWarning;
        private long compactionPauseBudget = Compactor.DEFAULT_PAUSE_BUDGET_NANOS;
        private double evacuationThreshold = Compactor.DEFAULT_EVACUATION_THRESHOLD;
        private RelocationListener relocationListener;
        private CompactionPolicy compactionPolicy;
        private io.vmarena.vm.MoveStrategy moveStrategy = io.vmarena.vm.MoveStrategy.AUTO;
        private PinFallback pinFallback = PinFallback.REFUSE;
        private HugePages hugePages = HugePages.SYSTEM_DEFAULT;
        private boolean jmx;

        private Builder() {
        }

        /**
         * The most one compaction slice may take ({@link #compactSlice()}): how long the arena is
         * closed to its other users at a time; default 500 microseconds. One move of a large
         * block is never left half done, so a slice may overrun by that move.
         *
         * @throws IllegalArgumentException when {@code value} is not positive
         */
        public Builder compactionPauseBudget(final Duration value) {
            compactionPauseBudget = Compactor.budgetNanos(value, "compactionPauseBudget");
            return this;
        }

        /**
         * Compaction evacuates a small-block segment whose live blocks fill less than this share
         * of it (0 to 1; default 0.25): their blocks are copied into the fullest segments of
         * their class, so the sparse segments can be given back. It packs the other segments (see
         * {@link Arena#compact()}). 0 turns both off: compaction then copies no block.
         *
         * @throws IllegalArgumentException when {@code value} is outside 0 to 1
         */
        public Builder evacuationThreshold(final double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("evacuationThreshold must be 0 to 1 (the live share below which a "
                    + "small-block segment is evacuated; 0 turns evacuation and packing off), got " + value);
            }
            evacuationThreshold = value;
            return this;
        }

        /**
         * Told of each block evacuation copies (see {@link RelocationListener}); default none,
         * and the arena forwards old handles itself.
         */
        public Builder relocationListener(final RelocationListener value) {
            relocationListener = Objects.requireNonNull(value, "relocationListener");
            return this;
        }

        /**
         * Compacts a shared arena in the background by this policy; default none (compaction
         * runs only when called). A confined arena cannot have one: only its thread may call it.
         */
        public Builder compactionPolicy(final CompactionPolicy value) {
            compactionPolicy = Objects.requireNonNull(value, "compactionPolicy");
            return this;
        }

        /**
         * How the arena moves memory (growth, large blocks, compaction); default
         * {@link io.vmarena.vm.MoveStrategy#AUTO}: one call across VMAs where the kernel can
         * (6.17+), else one per VMA. The others are for comparison: PER_VMA_* forces one call
         * per VMA, COPY copies through the CPU as an allocator without mremap must.
         * PER_VMA_KNOWN is refused: the arena does not track VMA boundaries.
         */
        public Builder moveStrategy(final io.vmarena.vm.MoveStrategy value) {
            Objects.requireNonNull(value, "moveStrategy");
            if (value == io.vmarena.vm.MoveStrategy.PER_VMA_KNOWN) {
                throw new IllegalArgumentException("moveStrategy PER_VMA_KNOWN needs VMA boundaries the arena does "
                    + "not track: use PER_VMA_PROCMAP_QUERY or PER_VMA_PROC_MAPS");
            }
            moveStrategy = value;
            return this;
        }

        /**
         * Whether the arena's committed memory asks for transparent huge pages, refuses them, or
         * takes the system's THP mode (see {@link HugePages}); default
         * {@link HugePages#SYSTEM_DEFAULT}. Huge pages pay where blocks are read at random over
         * many megabytes (one TLB entry covers a PMD); keep segments PMD-sized (the default 2 MiB
         * on x86-64) so that moves keep them whole.
         */
        public Builder hugePages(final HugePages value) {
            hugePages = Objects.requireNonNull(value, "hugePages");
            return this;
        }

        /** For messages, JFR events and stats; default {@code arena-N}. */
        public Builder name(final String value) {
            name = Objects.requireNonNull(value, "name");
            return this;
        }

        /** Where the memory comes from; default {@link AddressSpaces#system()}. */
        public Builder addressSpace(final AddressSpace value) {
            addressSpace = Objects.requireNonNull(value, "addressSpace");
            return this;
        }

        /** The range reserved at first, rounded up to whole segments; default 32 segments. */
        public Builder initialBytes(final long value) {
            initialBytes = value;
            return this;
        }

        /** The most the arena may reserve, rounded up to whole segments; default 1 TiB. */
        public Builder maximumBytes(final long value) {
            maximumBytes = value;
            return this;
        }

        /**
         * The unit of relocation: a power of two, a multiple of the page size, 512 bytes at
         * least and 256 MiB at most; default 2 MiB. Small blocks go up to a quarter of it. The
         * bound keeps a segment's bookkeeping small: it lives on the Java heap, a bit and (in
         * checked mode) a generation per block, 1/8 of a segment of 16-byte blocks, taken whole
         * when the segment is, and a segment's block count must fit an int.
         */
        public Builder segmentBytes(final long value) {
            segmentBytes = value;
            return this;
        }

        /**
         * How many bytes of free segments the arena keeps resident for reuse before it gives
         * their pages back; default 16 segments. 0 gives every free segment back at once.
         */
        public Builder retainedBytes(final long value) {
            retainedBytes = value;
            return this;
        }

        /**
         * What {@link Arena#pin()} does where the kernel lacks MLOCK_ONFAULT (before Linux 4.4):
         * refuse (the default), or lock with plain mlock, which faults in every page the arena holds.
         */
        public Builder pinFallback(final PinFallback value) {
            pinFallback = Objects.requireNonNull(value, "pinFallback");
            return this;
        }

        /**
         * Whether {@link #build()} registers the arena's {@link ArenaMXBean} with the platform
         * MBeanServer, under {@code io.vmarena:type=Arena,name=<the name, quoted>}; default false.
         * A build setting, not a method on the arena, so the bean's life is the arena's: it is
         * unregistered when the arena is closed (a failed one too) or its cleaner releases it.
         * Two open arenas of one name cannot both register: give each its own {@link #name}.
         * A confined arena's bean refuses JMX's threads (see {@link ArenaMXBean}).
         */
        public Builder jmx(final boolean value) {
            jmx = value;
            return this;
        }

        /** Default {@link Threading#CONFINED}, to the thread that calls {@link #build()}. */
        public Builder threading(final Threading value) {
            threading = Objects.requireNonNull(value, "threading");
            return this;
        }

        /** Checked mode (see the class comment); default on, and off for all when {@link #CHECKS_ENABLED} is false. */
        public Builder checked(final boolean value) {
            checked = value;
            return this;
        }

        /**
         * Whether growth may extend the range in place when the addresses after it are free
         * (default true). False makes every growth reserve a new range and move the arena there:
         * for tests and benchmarks of the move.
         */
        public Builder inPlaceGrowth(final boolean value) {
            inPlaceGrowth = value;
            return this;
        }

        /**
         * How long a move of a shared arena waits for read sections to close before it reports
         * the wait, once per wait: a WARNING through {@link System.Logger} (logger
         * {@code io.vmarena.Arena}) and a JFR event {@code io.vmarena.MoveWait}, each naming the
         * threads inside a section. The move keeps waiting. Default: the system property
         * {@code vmarena.move.wait.warning.millis}, else 10 seconds. No effect on a confined arena.
         *
         * @throws IllegalArgumentException when {@code value} is not positive
         */
        public Builder moveWaitWarning(final Duration value) {
            Objects.requireNonNull(value, "moveWaitWarning");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("moveWaitWarning must be positive, got " + value);
            }
            moveWaitWarning = value;
            return this;
        }

        /**
         * Reserves the arena's initial range.
         *
         * @throws IllegalArgumentException for a setting out of range, saying which and why
         * @throws io.vmarena.vm.VmException when the system refuses to reserve the range
         * @throws IllegalStateException when the JVM lacks
         *     {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED} (the message says where
         *     to add it), or when no address space was given and {@link AddressSpaces#system()}
         *     refuses
         * @throws IllegalArgumentException with {@link #jmx(boolean) jmx(true)}, when an open
         *     arena of the same name registered already
         */
        public Arena build() {
            UnsafeAccessCheck.requireUnsafeAccess();
            if (compactionPolicy != null && threading != Threading.SHARED) {
                throw new IllegalArgumentException("a compactionPolicy needs threading(Threading.SHARED): background "
                    + "compaction runs on another thread, and a confined arena refuses every thread but its own; "
                    + "call compactSlice() from the owner thread instead");
            }
            final AddressSpace space = addressSpace != null ? addressSpace : AddressSpaces.system();
            final Arena arena = new Arena(this, new ArenaGeometry(space, segmentBytes, initialBytes, maximumBytes,
                retainedBytes));
            if (compactionPolicy != null) {
                try {
                    arena.background = BackgroundCompaction.start(arena, compactionPolicy);
                } catch (final RuntimeException refused) {
                    arena.close(); // its range is not left to the cleaner, nor logged as a leak
                    throw new IllegalArgumentException("the compactionPolicy's scheduler refused the arena's task (is it "
                        + "shut down?): give a running scheduler, or none for the shared daemon thread", refused);
                }
            }
            if (jmx) {
                arena.registerJmx();
            }
            return arena;
        }
    }
}
