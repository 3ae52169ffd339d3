package io.vmarena;

/**
 * The system refused a move during compaction. The move was undone: every byte is where it was
 * before that move, the slices and moves before it stand, every handle works, and the arena is
 * usable. The cause carries the system's error (an errno such as ENOMEM when the process is at
 * {@code vm.max_map_count}).
 */
public final class CompactionFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CompactionFailedException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
