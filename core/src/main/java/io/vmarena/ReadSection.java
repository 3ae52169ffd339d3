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
 * The object {@link Arena#read()} returns is reused by its thread for a later section once this
 * one has closed (that is what makes sections allocation-free). Closing it again before the
 * thread's next {@code read()} of the arena does nothing; a reference kept after that is the
 * later section. So keep it no longer than its section lasts: try-with-resources does. In a
 * confined arena a section checks the thread and holds nothing off (nothing moves while the
 * arena's one thread reads), with the same rules for closing.
 */
public final class ReadSection implements AutoCloseable {
    private final ThreadSections owner;
    /** Where this object sits in its owner's pool: below the owner's open count while open. */
    int position;
    boolean open;

    ReadSection(final ThreadSections owner, final int position) {
        this.owner = owner;
        this.position = position;
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
