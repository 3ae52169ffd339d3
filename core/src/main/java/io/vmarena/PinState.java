package io.vmarena;

/** Whether an arena's memory is locked in RAM: see {@link Arena#pin()} and {@link PinStatus}. */
public enum PinState {
    /** Not pinned: {@link Arena#pin()} was not called, or {@link Arena#unpin()} undid it. */
    UNPINNED,
    /** Every byte the arena holds (in use or retained) is locked, and what it commits next is locked too. */
    PINNED,
    /**
     * Pinned in part: the memlock limit (or the pinning policy's budget) stopped the lock part way;
     * the rest works unpinned. {@link PinStatus#reason()} says how much and what to do.
     */
    PARTLY_PINNED,
    /**
     * The kernel refused to lock anything (EPERM: RLIMIT_MEMLOCK is 0 and the process lacks
     * CAP_IPC_LOCK; or it lacks MLOCK_ONFAULT and the arena was not built to fall back): the arena
     * works unpinned. {@link PinStatus#reason()} names the fixes.
     */
    REFUSED
}
