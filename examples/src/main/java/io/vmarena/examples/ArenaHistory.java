package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.ArenaStats;
import io.vmarena.vm.AddressSpace;

import java.util.ArrayList;
import java.util.List;

/**
 * What the demo did to its arena's blocks, in order, so that an identical arena can be built
 * beside it: the compaction step compacts both, each with its own move strategy. The replay
 * allocates the same lengths in the same order, writes the same patterns, frees, trims, grows
 * past a blocking page, reallocates and pins as the demo did; the allocator decides places from its
 * own tables only, so every block lands at the same offset from the base and the arena's
 * segments, VMAs and resident pages come out the same.
 */
final class ArenaHistory {
    private enum Kind {
        ALLOCATE, ALLOCATE_PAST_BLOCKER, FREE, REALLOCATE, TRIM, PIN
    }

    /** One thing done: {@code block} is the ledger's number (-1 for a trim), {@code bytes} a length or trim limit. */
    private record Event(Kind kind, int block, long bytes, boolean large) {
    }

    private final List<Event> events = new ArrayList<>();

    /** Block {@code block} was allocated with {@code lengthBytes} and written in full. */
    void allocated(final int block, final long lengthBytes, final boolean large) {
        events.add(new Event(Kind.ALLOCATE, block, lengthBytes, large));
    }

    /** As {@link #allocated}, with a page mapped right after the range so that the arena grew by moving. */
    void allocatedPastBlocker(final int block, final long lengthBytes, final boolean large) {
        events.add(new Event(Kind.ALLOCATE_PAST_BLOCKER, block, lengthBytes, large));
    }

    void freed(final int block) {
        events.add(new Event(Kind.FREE, block, 0, false));
    }

    /** Block {@code block} was reallocated to {@code lengthBytes} (its written bytes kept). */
    void reallocated(final int block, final long lengthBytes) {
        events.add(new Event(Kind.REALLOCATE, block, lengthBytes, false));
    }

    void trimmed(final long bytes) {
        events.add(new Event(Kind.TRIM, -1, bytes, false));
    }

    /** The arena was pinned ({@link Arena#pin()}): the replay pins too, so both compact locked memory. */
    void pinned() {
        events.add(new Event(Kind.PIN, -1, 0, false));
    }

    /** How many events {@link #replay} does. */
    int size() {
        return events.size();
    }

    /**
     * Does it all again on {@code arena} (fresh, built like the demo's), recording the blocks in
     * {@code ledger} (fresh, with the demo's seed, so every pattern and checksum is the same).
     */
    void replay(final Arena arena, final AddressSpace space, final BlockLedger ledger, final DemoProgress progress) {
        final long totalBytes = allocatedBytes();
        long writtenBytes = 0;
        for (final Event event : events) {
            final long writtenBefore = writtenBytes;
            switch (event.kind()) {
                case ALLOCATE:
                    ledger.write(arena, expect(event, ledger.add(arena.allocate(event.bytes()), event.bytes(),
                        event.large())));
                    writtenBytes += event.bytes();
                    progress.advance(writtenBytes, totalBytes);
                    break;
                case ALLOCATE_PAST_BLOCKER:
                    ledger.write(arena, expect(event, ledger.add(allocatePastBlocker(arena, space, event.bytes()),
                        event.bytes(), event.large())), bytes -> progress.advance(writtenBefore + bytes, totalBytes));
                    writtenBytes += event.bytes();
                    break;
                case FREE:
                    ledger.free(arena, event.block());
                    break;
                case REALLOCATE:
                    ledger.moved(event.block(), arena.reallocate(ledger.handle(event.block()), event.bytes()));
                    break;
                case TRIM:
                    arena.trim(event.bytes());
                    break;
                case PIN:
                    arena.pin();
                    break;
                default:
                    throw new AssertionError(event.kind());
            }
        }
    }

    /** The bytes the replay writes: every block allocated, in full. */
    private long allocatedBytes() {
        long bytes = 0;
        for (final Event event : events) {
            if (event.kind() == Kind.ALLOCATE || event.kind() == Kind.ALLOCATE_PAST_BLOCKER) {
                bytes += event.bytes();
            }
        }
        return bytes;
    }

    private static long allocatePastBlocker(final Arena arena, final AddressSpace space, final long lengthBytes) {
        final ArenaStats stats = arena.stats();
        final EndBlocker blocker = new EndBlocker(space, stats.baseAddress() + stats.reservedBytes());
        try {
            return arena.allocate(lengthBytes);
        } finally {
            blocker.close();
        }
    }

    /** The replay numbers blocks as the demo did, or it is not a replay. */
    private static int expect(final Event event, final int block) {
        if (block != event.block()) {
            throw new IllegalStateException("the replay numbered a block " + block + " where the demo had "
                + event.block());
        }
        return block;
    }
}
