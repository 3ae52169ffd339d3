package io.vmarena;

import java.lang.ref.WeakReference;

/**
 * One registered arena of a {@link PinningPolicy}: the arena (weakly, through its
 * {@link Pinnable}), its priority, and what the rounds remember of it. Its counters' state is
 * touched by rounds only, one at a time.
 */
final class PinEntry {
    private final WeakReference<Object> key;
    final Pinnable target;
    /** Registration order: the ranking's last tie breaker. */
    final long order;
    volatile int priority;
    /** The counters as the last round (or the registration) read them. */
    long lastClaims;
    long lastSections;
    /** Periods in a row without activity. */
    int idlePeriods;
    /** Whether a round left the arena pinned, wholly or in part. */
    boolean pinnedByPolicy;

    PinEntry(final Object key, final Pinnable target, final int priority, final long order,
        final Pinnable.Figures figures) {
        this.key = new WeakReference<>(key);
        this.target = target;
        this.priority = priority;
        this.order = order;
        lastClaims = figures.segmentClaims();
        lastSections = figures.readSections();
    }

    /** Whether this entry is {@code candidate}'s; never keeps it reachable. */
    boolean is(final Object candidate) {
        return key.refersTo(candidate);
    }

    /** For unregister: gives back a pin the policy made, unless the arena is closed meanwhile. */
    void unpinIfPinned(final String reason) {
        if (!pinnedByPolicy) {
            return;
        }
        pinnedByPolicy = false;
        try {
            if (target.isOpen()) {
                target.unpin(reason);
            }
        } catch (final IllegalStateException closedMeanwhile) {
            // closed between the check and the call: its memory is unmapped, so nothing is locked
        }
    }
}
