package io.vmarena;

/**
 * A read section of a shared arena: while it is open, memory the arena hands out addresses to
 * does not move, so addresses and views taken inside it stay valid until it closes. Entering and
 * leaving are wait-free unless a move is under way (then entering waits for it).
 *
 * <pre>
 * try (ReadSection section = arena.read()) {
 *     long address = arena.address(handle);
 *     ... read or write through address ...
 * }
 * </pre>
 *
 * Inside a section, the thread may read and write blocks but not allocate, free, reallocate,
 * trim or close: those may move memory, and a move waits for the section to end. Sections
 * nest. Closing a section twice does nothing the second time. A section belongs to the thread
 * that opened it.
 */
public final class ReadSection implements AutoCloseable {
    private final Arena arena;
    private final long token;
    /** Inside another section of the same thread (or of a confined arena): nothing to leave. */
    private final boolean nested;
    private boolean open = true;

    ReadSection(final Arena arena, final long token, final boolean nested) {
        this.arena = arena;
        this.token = token;
        this.nested = nested;
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            arena.exitRead(token, nested);
        }
    }
}
