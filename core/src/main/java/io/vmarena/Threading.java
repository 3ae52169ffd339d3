package io.vmarena;

/**
 * Which threads may use an arena, and what a thread may assume about memory other threads use.
 *
 * <h2>Confined</h2>
 * One thread, the one that built the arena, does everything; any other thread's call is refused
 * with an {@link IllegalStateException} (except {@link Arena#close()} once the owner has ended).
 * An address ({@link Arena#address}, {@link Arena#wrap}) stays valid until the owner's next call
 * that may move memory ({@link Arena#allocate}, {@link Arena#reallocate}, {@link Arena#compact},
 * {@link Arena#compactSlice()}, {@link Arena#close}); nothing else moves it. A read section
 * there holds nothing off, but refuses those calls while it is open.
 *
 * <h2>Shared</h2>
 * Any thread. What each kind of call does:
 * <ul>
 * <li>Changes ({@code allocate}, {@code free}, {@code reallocate}, {@code trim},
 *     {@code compact}, {@code pin}, {@code close}, ...) take the arena's lock, one at a time.</li>
 * <li>{@code address}, {@code capacity}, {@code wrap} and {@code read()} take no lock.
 *     {@link Arena#put} and {@link Arena#get} take none either: each copies inside a read section
 *     of its own (nested in the caller's, if one is open).</li>
 * <li>A <b>read section</b> ({@link Arena#read()}) stops memory from <em>moving</em>: growth,
 *     a reallocation that moves a large block, compaction (a background
 *     {@link CompactionPolicy}'s too) and close wait until every section open when they start
 *     has closed. It does <em>not</em> stop other threads from <em>freeing</em> blocks, or from
 *     allocating and trimming: a block another thread frees while you use it stays mapped until
 *     your section closes (so using its address does not fault), but its bytes are no longer
 *     its: they may be handed to a block allocated meanwhile, or given back and read as zeros.
 *     Keep a block from being freed while any thread may still use it: that is the program's
 *     to arrange (a reference count, an epoch, a queue of frees run when readers are done).</li>
 * <li><b>Writers write inside sections too.</b> A section is named for readers, but writing
 *     through an address is as exposed to a move as reading: a move by {@code mremap} leaves
 *     the old address unmapped (a write there faults and crashes the JVM), and a move that
 *     copies (compaction's evacuation, the COPY strategy) loses a write made after its copy.</li>
 * <li>A section is not a lock between threads: two threads inside sections may read and write
 *     the same block at once. Which bytes one thread sees of another's writes is the Java
 *     memory model's business: order them yourself (the way you pass the handle over, a
 *     volatile write, a queue).</li>
 * <li><b>An address taken outside a section</b> is a snapshot: any other thread's growth,
 *     reallocation, compaction or close may make it stale at any moment, and using it may read
 *     or write the wrong bytes or crash the JVM. Take the address inside the section you use it
 *     in; outside one, use it only as a number (to log or compare). {@code capacity} of a
 *     small block is as exposed: compaction may evacuate the block.</li>
 * </ul>
 * Passing a handle between threads needs no section: a handle stays valid however memory moves
 * (with a {@link RelocationListener}, until the listener is told of the block's new one), and is
 * refused once freed. For callers who want no addresses at all, {@link Arena#put} and
 * {@link Arena#get} check the handle and every bound, and never copy outside the arena's mapped
 * memory, whatever other threads do.
 */
public enum Threading {
    /**
     * Only the thread that built the arena; any other gets an {@link IllegalStateException}. No
     * lock anywhere: the fast path is a few array reads and writes.
     */
    CONFINED,
    /**
     * Any thread. Allocation, free and the other changes take the arena's lock; threads that use
     * addresses, to read or to write, do it inside a read section ({@link Arena#read()}), which
     * memory never moves under (see the class comment for what a section does not hold off).
     */
    SHARED
}
