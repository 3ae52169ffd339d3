package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.Mapping;
import org.agrona.MutableDirectBuffer;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

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
 * freed, however often the arena moves. An address ({@link #address}, {@link #wrap}) is valid
 * only until the next call that may move memory: {@link #allocate}, {@link #reallocate} and
 * {@link #close} (in a shared arena, any thread's such call, unless the reader is inside a
 * {@link #read() read section}). Every method that may move memory says so.
 *
 * <h2>Checked mode</h2>
 * Every handle is checked before use: the null handle, a handle that names no block, a freed
 * block's handle and another arena's handle (each handle carries its arena's tag) are refused
 * with an {@link IllegalArgumentException}, in every mode. In checked mode (the default) each
 * block also keeps a generation that its handle carries, so a stale handle (its block was freed
 * and the memory reused) is refused too. {@link #CHECKS_ENABLED} turns checked mode off for
 * every arena.
 *
 * <h2>Threads</h2>
 * See {@link Threading}. A confined arena refuses every other thread with an
 * {@link IllegalStateException}.
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
    /** Reports a move's long wait for read sections (null when confined). */
    private final MoveWaitReporter moveWaitReporter;
    private final ArenaRange range;
    private final SegmentTable table;
    private final Segments segments;
    private final BlockHeap heap;
    private final int tag;
    private volatile boolean closed;

    private Arena(final Builder builder, final ArenaGeometry geometry) {
        name = builder.name != null ? builder.name : "arena-" + NAMES.incrementAndGet();
        threading = builder.threading;
        maximumBytes = geometry.maximumBytes;
        final boolean shared = threading == Threading.SHARED;
        owner = shared ? null : Thread.currentThread();
        lock = shared ? new ReentrantLock() : null;
        final Duration moveWaitWarning = MoveWaitReporter.warning(builder.moveWaitWarning);
        phaser = shared ? new ReadPhaser(MoveWaitReporter.nanos(moveWaitWarning), lock) : null;
        sections = shared ? new ReadSections(name, phaser) : new ReadSections(name, owner);
        moveWaitReporter = shared ? new MoveWaitReporter(sections, moveWaitWarning) : null;
        if (shared) {
            phaser.listener(moveWaitReporter);
        }
        range = new ArenaRange(name, geometry.space, shared ? phaser : MoveGate.NONE, geometry.segmentBytes,
            geometry.initialBytes, builder.inPlaceGrowth);
        table = new SegmentTable((int)(geometry.initialBytes / geometry.segmentBytes));
        segments = new Segments(name, table, range, geometry.segmentBytes, geometry.maximumBytes,
            geometry.retainedBytes);
        final HandleCodec codec = geometry.codec;
        tag = ArenaTags.acquire(codec.tagBits());
        heap = new BlockHeap(range, table, segments, codec, tag, CHECKS_ENABLED && builder.checked,
            geometry.segmentBytes);
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
     */
    public long allocate(final long lengthBytes) {
        if (lock == null) {
            ensureOwner();
            return heap.allocate(checkLength(lengthBytes));
        }
        lockForChange("allocate");
        try {
            return heap.allocate(checkLength(lengthBytes));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frees a block. Its handle, and any address into it, is invalid afterwards.
     *
     * @throws IllegalArgumentException for the null handle, a handle that names no live block
     *     (double free), and in checked mode a stale or another arena's handle; nothing changes
     */
    public void free(final long handle) {
        final int verdict;
        if (lock == null) {
            ensureOwner();
            verdict = heap.free(handle);
        } else {
            lockForChange("free");
            try {
                verdict = heap.free(handle);
            } finally {
                lock.unlock();
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
     */
    public long reallocate(final long handle, final long lengthBytes) {
        if (lock == null) {
            ensureOwner();
            return heap.reallocate(handle, checkHandle(handle, "reallocate"), checkLength(lengthBytes));
        }
        lockForChange("reallocate");
        try {
            return heap.reallocate(handle, checkHandle(handle, "reallocate"), checkLength(lengthBytes));
        } finally {
            lock.unlock();
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
        return heap.address(handle, checkHandle(handle, "address"));
    }

    /** The block's usable length in bytes: at least what was asked for. */
    public long capacity(final long handle) {
        ensureReadable();
        return heap.capacity(checkHandle(handle, "capacity"));
    }

    /**
     * Points {@code view} at the block: {@code view.wrap(address(handle), capacity)}. Allocates
     * nothing. Like {@link #address}, the view is valid only until the next call that may move
     * memory.
     *
     * @throws IllegalArgumentException for a bad handle, or a block of 2 GiB or more (a buffer's
     *     capacity is an int: use {@link #address} for such blocks)
     */
    public void wrap(final MutableDirectBuffer view, final long handle) {
        ensureReadable();
        final int segmentIndex = checkHandle(handle, "wrap");
        final long capacity = heap.capacity(segmentIndex);
        if (capacity > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot wrap a block of " + capacity + " bytes in a buffer (at most "
                + Integer.MAX_VALUE + "): use address(handle) and capacity(handle) for blocks this large");
        }
        view.wrap(heap.address(handle, segmentIndex), (int)capacity);
    }

    /**
     * Gives memory back to the system: free segments kept for reuse, highest first, then the
     * pages of small-block segments that hold no live block, until {@code bytes} are given back
     * or nothing more can be. Does not move memory.
     *
     * @return the bytes given back (their pages read as zeros when used again)
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public long trim(final long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("trim(" + bytes + "): the byte count must not be negative "
                + "(Long.MAX_VALUE gives back everything it can)");
        }
        if (lock == null) {
            ensureOwner();
            return heap.trim(bytes);
        }
        lockForChange("trim");
        try {
            return heap.trim(bytes);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A snapshot of the arena's memory; reads the address space's account of it (a system call).
     * Does not move memory: allowed inside a read section, where it may wait for a change under
     * way that does not move memory, never for one that waits for the section.
     */
    public ArenaStats stats() {
        if (lock == null) {
            ensureOwner();
            return snapshot();
        }
        if (sections.callerInside()) {
            return statsInsideSection();
        }
        lockForChange("stats");
        try {
            return snapshot();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stats from inside a read section, which must not wait for the lock: its holder may be a
     * mover waiting for this very section. So: the lock if it is free; else, once the gate is
     * closing, no lock at all. A mover closing the gate holds the lock and changes nothing until
     * every section entered before it has closed, this one included (a section entered after the
     * gate began to close would still be waiting in enter()), and its writes before closing are
     * visible through the gate's volatile flag; so the arena holds still while the snapshot is
     * taken. A holder that is not closing the gate finishes without waiting for sections.
     */
    private ArenaStats statsInsideSection() {
        while (true) {
            if (lock.tryLock()) {
                try {
                    ensureOpen();
                    return snapshot();
                } finally {
                    lock.unlock();
                }
            }
            if (phaser.closing()) {
                ensureOpen(); // after closing(): close() marks the arena closed before it closes the gate
                return snapshot();
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private ArenaStats snapshot() {
        final List<Mapping> mappings = range.mappings();
        final long pageSize = range.space().pageSize();
        long residentBytes = 0;
        long lockedBytes = 0;
        for (final Mapping mapping : mappings) {
            residentBytes += mapping.residentPages() * pageSize;
            lockedBytes += mapping.lockedPages() * pageSize;
        }
        final long inUseBytes = (long)(segments.classSegments() + segments.runSegments())
            * (range.reservedBytes() / table.segmentCount());
        final long usedBytes = heap.usedBytes();
        final double fragmentation = inUseBytes == 0 ? 0 : 1 - (double)usedBytes / inUseBytes;
        return new ArenaStats(range.base(), range.reservedBytes(), segments.committedBytes(), residentBytes, usedBytes,
            lockedBytes, segments.retainedBytes(), mappings.size(), table.freeSegments(), segments.classSegments(),
            segments.runSegments(), fragmentation, range.grows(), range.moves());
    }

    /**
     * Enters a read section (see {@link ReadSection}), which belongs to the calling thread: in a
     * shared arena, memory does not move until the thread's last open section closes; entering
     * waits while a move is under way. In a confined arena nothing can move while its one thread
     * reads, so the section only checks the thread. Allocates nothing once the thread has used
     * the arena (the section object is the thread's, reused).
     *
     * @throws IllegalStateException when the arena is closed, or confined to another thread
     */
    public ReadSection read() {
        ensureReadable();
        // Nested sections do not enter the phaser again: that could wait for a move that waits
        // for the outer section.
        return sections.open();
    }

    /**
     * Unmaps the arena's memory: every handle and address is invalid afterwards, and every call
     * but {@code close()} throws {@link IllegalStateException}. In a shared arena it waits for
     * open read sections to close. Closing twice does nothing.
     */
    @Override
    public void close() {
        if (lock == null) {
            if (closed) {
                return;
            }
            ensureOwner();
            closed = true;
            ArenaTags.release(tag);
            range.close();
            return;
        }
        if (closed) {
            return;
        }
        lockForChange("close");
        try {
            if (!closed) {
                closed = true;
                ArenaTags.release(tag);
                range.close();
            }
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

    /** The arena's range, for tests: its first address. */
    long baseAddress() {
        return range.base();
    }

    private long checkLength(final long lengthBytes) {
        if (lengthBytes <= 0 || lengthBytes > maximumBytes) {
            throw new IllegalArgumentException("cannot allocate " + lengthBytes + " bytes in arena '" + name + "': a "
                + "length must be 1 to the arena's maximum size, " + maximumBytes + " bytes");
        }
        return lengthBytes;
    }

    private int checkHandle(final long handle, final String operation) {
        final int verdict = heap.check(handle);
        if (verdict >= 0) {
            return verdict;
        }
        throw refused(handle, operation, verdict);
    }

    private IllegalArgumentException refused(final long handle, final String operation, final int verdict) {
        return new IllegalArgumentException(operation + "(" + handle + ") in arena '" + name + "': "
            + HandleVerdicts.explain(verdict));
    }

    private void ensureOwner() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException(closed ? closedMessage() : "arena '" + name + "' is confined to thread '"
                + owner.getName() + "', and '" + Thread.currentThread().getName() + "' called it: build it with "
                + "threading(Threading.SHARED) to use it from several threads");
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

    /** Takes the lock of a shared arena for a change; refuses a thread inside a read section. */
    private void lockForChange(final String operation) {
        if (sections.callerInside()) {
            throw new IllegalStateException(operation + " in arena '" + name + "' from inside a read section: it "
                + "may move memory, and a move waits for read sections to end; close the section first");
        }
        lock.lock();
        if (closed && !operation.equals("close")) {
            lock.unlock();
            throw new IllegalStateException(closedMessage());
        }
    }

    private String closedMessage() {
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

        private Builder() {
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
         * least; default 2 MiB. Small blocks go up to a quarter of it.
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
         */
        public Arena build() {
            final AddressSpace space = addressSpace != null ? addressSpace : AddressSpaces.system();
            return new Arena(this, new ArenaGeometry(space, segmentBytes, initialBytes, maximumBytes, retainedBytes));
        }
    }
}
