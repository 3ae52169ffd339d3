package io.vmarena;

/**
 * An allocation (or a reallocation) needs more memory than the arena may reserve: its maximum
 * size is reached, or the system refused to reserve more address space. Nothing was allocated
 * and the arena is unchanged: free blocks, or build the arena with a larger maximum.
 */
public final class ArenaFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ArenaFullException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
