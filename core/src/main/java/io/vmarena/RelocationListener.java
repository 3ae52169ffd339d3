package io.vmarena;

/**
 * Told when compaction's evacuation or packing copies a small block to a new place (see
 * {@link Arena#compact()}), so that a caller who keeps handles in an index can re-point it.
 * Without a listener the old handle keeps working: the arena forwards it to the new block
 * (only the slow path of a lookup consults the forwarding). With one, the arena drops the
 * forwarding once {@link #relocated} returns normally, and the old handle is refused from then
 * on, like a freed one.
 *
 * <p>It runs on the compacting thread, inside the compaction (in a shared arena with the arena
 * closed to other threads): keep it short, and do not call the arena from it (such a call is
 * refused with an {@link IllegalStateException}). Evacuation empties one segment at a time and
 * then tells the listener of each of its blocks, in order; packing packs one segment (or as much
 * of it as a slice's budget allows) and then tells of each block it copied, highest first. If it throws, the compaction stops at
 * once: the block it was told about, and the blocks of the same segment it was not told about
 * yet, have moved and keep both handles (their forwards stay); the blocks it was told about
 * before were relocated as usual; nothing else moved; and the exception propagates from the
 * compaction call unchanged. The arena stays consistent and usable.
 */
@FunctionalInterface
public interface RelocationListener {
    /**
     * @param oldHandle the handle the block had
     * @param newHandle the handle it has now (both name the same bytes until this returns)
     */
    void relocated(long oldHandle, long newHandle);
}
