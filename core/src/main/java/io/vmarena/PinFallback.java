package io.vmarena;

/**
 * What {@link Arena#pin()} does on a kernel without {@code MLOCK_ONFAULT} (before Linux 4.4):
 * a builder setting ({@link Arena.Builder#pinFallback}).
 */
public enum PinFallback {
    /** Pin nothing and say so ({@link PinState#REFUSED}): the default. */
    REFUSE,
    /**
     * Lock with plain {@code mlock}, which faults in every committed page at once: the memory the
     * arena holds becomes resident at the pin, and each segment it commits later at the commit.
     */
    POPULATE
}
