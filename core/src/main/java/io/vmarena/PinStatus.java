package io.vmarena;

/**
 * An arena's pinning, as {@link Arena#pin()}, {@link Arena#unpin()} and {@link ArenaStats#pin()}
 * report it.
 *
 * @param state whether the arena is pinned, in part, or not, and whether the kernel refused
 * @param pinnedBytes the bytes of the arena's locked VMAs: what the arena adds to the process's
 *     VmLck (with MLOCK_ONFAULT a locked page costs memory only once touched, yet counts against
 *     RLIMIT_MEMLOCK from the start)
 * @param unpinnedBytes the bytes the arena holds (in use, or retained for reuse) that a pin wanted
 *     locked and the limit, the budget or the kernel left unlocked; 0 when not pinned
 * @param reason what happened, in a sentence a person can act on: how the arena was pinned, or
 *     why not and what to change (the limit, the capability, the builder setting)
 */
public record PinStatus(PinState state, long pinnedBytes, long unpinnedBytes, String reason) {
    public PinStatus {
        if (state == null || reason == null) {
            throw new NullPointerException("a pin status needs a state and a reason");
        }
    }
}
