package io.vmarena.vm;

/** How {@link AddressSpace#lock} pins a range. */
public enum LockMode {
    /** {@code mlock2(addr, len, 0)}: lock and populate every page now. */
    POPULATE,
    /**
     * {@code mlock2(addr, len, MLOCK_ONFAULT)}: lock pages as they are first touched. Costs
     * microseconds for a gigabyte, where {@link #POPULATE} costs hundreds of milliseconds.
     */
    ON_FAULT
}
