package io.vmarena;

/**
 * An arena as JMX dashboards (JConsole, JMX exporters) see it: registered with the platform
 * MBeanServer by an arena built with {@link Arena.Builder#jmx(boolean) jmx(true)}, under
 * {@code io.vmarena:type=Arena,name=<the arena's name, quoted by ObjectName.quote>}, and
 * unregistered when the arena is closed (a failed one too) or its cleaner releases it.
 *
 * <p>Each read takes one {@link Arena#stats()} snapshot (see {@link ArenaStats} for what each
 * figure means): a {@code getAttribute} takes one for its figure, and a {@code getAttributes}
 * (a dashboard's scrape) takes one for all the attributes it names, so a scrape costs one
 * stats() (microseconds: the resident and locked bytes are the arena's own account, with no
 * page-table walk) and its figures are of one moment. What is in memory as measured is the
 * {@link #residency()} operation's, one page-table walk per call. Nothing is counted or kept for JMX between
 * reads (the next read takes a fresh snapshot), so the arena's fast path is unchanged. {@link #getName()} and {@link #getThreading()}
 * never touch the arena.
 *
 * <p>Threads. JMX reads and operations run on the caller's thread (a JMX connector's, for a
 * remote dashboard). A shared arena serves them like any other thread. A confined arena's
 * figures are read from any thread without stopping or slowing its owner (with the contract
 * {@link Arena#stats()} gives a thread other than the owner: each figure is one the arena held
 * during the read, not one consistent snapshot, and the forecast is the owner's last); its
 * operations ({@code compact}, {@code trim}, {@code pin}, {@code unpin}) refuse every thread but
 * the owner's, so from a dashboard they fail with the arena's {@link IllegalStateException}
 * (wrapped by the MBeanServer), which names the owner and says to build the arena with
 * {@link Threading#SHARED}. Nothing here waits for the owner.
 */
public interface ArenaMXBean {
    /** The arena's name. */
    String getName();

    /** {@code CONFINED} or {@code SHARED}. */
    String getThreading();

    long getBaseAddress();

    long getReservedBytes();

    long getCommittedBytes();

    /** The arena's own account of its pages in memory, an upper bound: see {@link ArenaStats#residentBytes()}. */
    long getResidentBytes();

    long getUsedBytes();

    /** The same account over the segments its pinning locked: see {@link ArenaStats#lockedBytes()}. */
    long getLockedBytes();

    long getRetainedBytes();

    int getVmaCount();

    int getFreeSegments();

    int getClassSegments();

    int getRunSegments();

    double getFragmentation();

    long getGrows();

    long getMoves();

    long getCompactions();

    /** The forecast: committed bytes a full compaction would give back now. */
    long getReclaimableBytes();

    /** The forecast: address range a full compaction would give back now. */
    long getReclaimableReservedBytes();

    /** The forecast: what a full compaction would cost now, in nanoseconds. */
    long getCompactionEstimateNanos();

    long getHugePageBytes();

    /** The huge-page policy as applied ({@link HugePages} name). */
    String getHugePages();

    /** The pin state ({@link PinState} name). */
    String getPinState();

    long getPinnedBytes();

    /** Why the arena is not wholly pinned and what to do, or null when it is (or was not asked to be). */
    String getPinReason();

    /**
     * {@link Arena#compact()}; may move memory.
     *
     * @return the {@link CompactionResult}, as text
     */
    String compact();

    /**
     * {@link Arena#residency()}: the arena's memory as measured, by one walk of its page tables
     * (milliseconds per resident GiB of 4 KiB pages, where the attributes cost microseconds), as
     * {@code ArenaResidency[residentBytes=..., lockedBytes=..., hugePageBytes=...]}. An
     * operation, not attributes: a dashboard reads every attribute on each scrape.
     */
    String residency();

    /**
     * {@link Arena#trim(long)}.
     *
     * @return the bytes given back
     */
    long trim(long bytes);

    /**
     * {@link Arena#pin()}.
     *
     * @return the {@link PinStatus}, as text
     */
    String pin();

    /**
     * {@link Arena#unpin()}.
     *
     * @return the {@link PinStatus}, as text
     */
    String unpin();
}
