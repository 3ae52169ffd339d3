package io.vmarena;

/**
 * A read section of an arena: while it is open, memory the arena hands out addresses to does not
 * move, so addresses and views taken inside it stay valid until the thread's last open section
 * of the arena closes. Entering and leaving are wait-free unless a move is under way (then
 * entering waits for it), and allocate nothing once the thread has used the arena.
 *
 * <pre>
 * try (ReadSection section = arena.read()) {
 *     long address = arena.address(handle);
 *     ... read or write through address ...
 * }
 * </pre>
 *
 * <h2>Who may call what</h2>
 * <ul>
 *   <li>A section belongs to the thread that opened it: only that thread may close it. Any other
 *       thread's {@link #close()} is refused with an {@link IllegalStateException} and changes
 *       nothing (the section stays open, and both threads' sections stay as they were).</li>
 *   <li>Inside a section, its thread may read and write blocks, take addresses, capacities and
 *       {@link Arena#stats() stats}, and open more sections (they nest), but not allocate, free,
 *       reallocate, trim or close the arena: those may move memory, and a move waits for the
 *       section to end; they are refused with an {@link IllegalStateException}.</li>
 *   <li>Nested sections may close in any order: moves are held off until the thread's last open
 *       section of the arena closes, whichever that is.</li>
 *   <li>Other threads' moves wait for the section, however long it stays open. A section left
 *       open by a thread that ended holds every move off for good: a move that waits longer than
 *       the arena's {@link Arena.Builder#moveWaitWarning move wait warning} reports it, naming
 *       the threads inside sections. Close sections with try-with-resources.</li>
 * </ul>
 *
 * <h2>The object</h2>
 * The object {@link Arena#read()} returns is its thread's, reused for a later section of the same
 * thread once this one has closed: that is what makes sections allocation-free. It is handed out
 * again only after the thread has opened 16 other sections of the arena; until then, closing it
 * again does nothing. After that, a reference kept past its section is the later section, and
 * closing it closes that one: keep it no longer than its section (try-with-resources does). A
 * thread may have at most 65,536 sections of an arena open at once; {@code read()} refuses more
 * with an {@link IllegalStateException}. In a confined arena a section checks the thread and
 * holds nothing off (no other thread can move memory), with the same rules: the calls that may
 * move memory are refused inside it, and only its thread closes it.
 *
 * <h2>Reachability</h2>
 * An open section that its caller holds keeps its arena reachable, so an arena dropped without
 * {@link Arena#close()} is not released while a section of it is open and held (the
 * try-with-resources above holds it until it closes). A section dropped without close() holds
 * nothing.
 */
public final class ReadSection implements AutoCloseable {
    private final ThreadSections owner;
    /** Written and read by the owner's thread only. */
    boolean open;
    /**
     * The arena while the section is open, else null: a section its caller holds keeps the arena
     * reachable, so the cleaner cannot unmap memory read under it. Written by the owner's thread.
     */
    Arena arena;

    ReadSection(final ThreadSections owner) {
        this.owner = owner;
    }

    /**
     * Closes the section; does nothing when it is already closed.
     *
     * @throws IllegalStateException when called by a thread other than the one that opened it;
     *     nothing changes
     */
    @Override
    public void close() {
        owner.close(this);
    }
}
