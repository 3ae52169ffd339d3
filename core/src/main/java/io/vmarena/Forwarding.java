package io.vmarena;

import org.agrona.collections.Long2LongHashMap;

/**
 * Where compaction's evacuation copied the live blocks of one segment: each block's old handle
 * to its new one. Only the slow path of a lookup reads it (a handle that no longer matches its
 * old segment's block), so evacuation costs the fast paths nothing. An entry ends when a
 * relocation listener took the new handle, or when compaction finds its block gone (freed through
 * either handle: the entry then leads to a freed block, and the old handle is refused); only
 * compaction changes a table, with its gate closed, because readers of a shared arena look
 * handles up in it without the arena's lock. A segment id with entries left is not handed out again.
 */
final class Forwarding {
    private final Long2LongHashMap targets = new Long2LongHashMap(0);

    /** The new handle for {@code oldHandle}, or 0. Allocates nothing. */
    long target(final long oldHandle) {
        return targets.get(oldHandle);
    }

    void put(final long oldHandle, final long newHandle) {
        targets.put(oldHandle, newHandle);
    }

    void remove(final long oldHandle) {
        targets.remove(oldHandle);
    }

    boolean isEmpty() {
        return targets.isEmpty();
    }

    int size() {
        return targets.size();
    }

    /** For compaction's clean-up: the entries, to drop dead ones and shorten chains. */
    Long2LongHashMap targets() {
        return targets;
    }
}
