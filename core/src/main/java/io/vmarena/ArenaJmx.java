package io.vmarena;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.util.function.ToLongFunction;
import javax.management.AttributeList;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * An arena's {@link ArenaMXBean}, and its registration with the platform MBeanServer. It holds
 * the arena weakly: the MBeanServer keeps every registered bean, and a strong reference would
 * keep a dropped arena from its cleaner for good. {@link ArenaCleanup} unregisters it, on
 * close or on the cleaner's release, without reaching the arena.
 *
 * <p>One read, one {@link Arena#stats()}: a dashboard's scrape is one {@code getAttributes} of
 * every attribute, and each stats() queries the range's VMAs (a microsecond each), so the bean
 * is registered through {@link OneSnapshotPerRead}: a whole {@code getAttributes} takes one
 * snapshot and answers each of its attributes from it: one stats() per scrape, not one per
 * attribute, and figures of one moment. The page-table walk ({@link Arena#residency()}, 2.7 ms
 * for 1 GiB resident in 4 KiB pages) is an operation, never an attribute. Nothing is kept between
 * reads: the next read, or scrape, takes a fresh snapshot.
 */
final class ArenaJmx implements ArenaMXBean {
    /**
     * On a thread serving a {@code getAttributes}: a cell for its snapshot, taken by the first
     * attribute that needs one (a scrape of Name and Threading takes none); null outside one.
     */
    private final ThreadLocal<ArenaStats[]> scrape = new ThreadLocal<>();
    private final String arenaName;
    private final Threading threading;
    private final WeakReference<Arena> arena;
    private final ObjectName objectName;

    private ArenaJmx(final Arena arena, final ObjectName objectName) {
        this.arenaName = arena.name();
        this.threading = arena.threading();
        this.arena = new WeakReference<>(arena);
        this.objectName = objectName;
    }

    /** {@code io.vmarena:type=Arena,name=<quoted arenaName>}: any name is valid, quotes and colons too. */
    static ObjectName objectName(final String arenaName) {
        try {
            return new ObjectName("io.vmarena:type=Arena,name=" + ObjectName.quote(arenaName));
        } catch (final MalformedObjectNameException impossible) {
            throw new IllegalStateException("a quoted name made an invalid ObjectName: " + arenaName, impossible);
        }
    }

    /**
     * Registers {@code arena}'s bean.
     *
     * @throws IllegalArgumentException when a bean of that name is registered already (another
     *     open arena of the same name), saying to give each arena its own name
     */
    static ArenaJmx register(final Arena arena) {
        final ArenaJmx bean = new ArenaJmx(arena, objectName(arena.name()));
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(new OneSnapshotPerRead(bean), bean.objectName);
        } catch (final InstanceAlreadyExistsException clash) {
            throw new IllegalArgumentException("jmx(true): the MBean " + bean.objectName + " is registered already "
                + "(another open arena named '" + arena.name() + "'): give each arena that registers with JMX its "
                + "own name(...)", clash);
        } catch (final JMException refused) {
            throw new IllegalStateException("jmx(true): the platform MBeanServer refused " + bean.objectName, refused);
        }
        return bean;
    }

    /** Unregisters the bean; again, or after someone else did, does nothing. */
    void unregister() {
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.unregisterMBean(objectName);
        } catch (final InstanceNotFoundException alreadyGone) {
            // closed twice, or unregistered by hand: the aim is met
        } catch (final JMException impossible) {
            throw new IllegalStateException("could not unregister " + objectName, impossible);
        }
    }

    private Arena arena() {
        final Arena reached = arena.get();
        if (reached == null) {
            throw new IllegalStateException("arena '" + arenaName + "' was dropped without close(): its cleaner "
                + "releases it and unregisters this MBean");
        }
        return reached;
    }

    /** The snapshot of the scrape being served on this thread, else a fresh one. */
    private ArenaStats stats() {
        final ArenaStats[] served = scrape.get();
        if (served == null) {
            return arena().stats();
        }
        if (served[0] == null) {
            served[0] = arena().stats(); // a dropped arena throws here, for each attribute, as outside a scrape
        }
        return served[0];
    }

    private long figure(final ToLongFunction<ArenaStats> field) {
        return field.applyAsLong(stats());
    }

    /**
     * The MXBean as the MBeanServer sees it: {@code getAttributes} takes one snapshot and
     * answers every attribute it names from that snapshot (the MXBean machinery calls the
     * getters on this thread, inside {@code super.getAttributes}); a single
     * {@code getAttribute} takes its own.
     */
    private static final class OneSnapshotPerRead extends StandardMBean {
        /** The bean, for its scrape cell; StandardMBean keeps it as its implementation too. */
        private final ArenaJmx bean;

        OneSnapshotPerRead(final ArenaJmx bean) {
            super(bean, ArenaMXBean.class, true);
            this.bean = bean;
        }

        @Override
        public AttributeList getAttributes(final String[] attributes) {
            bean.scrape.set(new ArenaStats[1]);
            try {
                return super.getAttributes(attributes);
            } finally {
                bean.scrape.remove();
            }
        }
    }

    @Override
    public String getName() {
        return arenaName;
    }

    @Override
    public String getThreading() {
        return threading.name();
    }

    @Override
    public long getBaseAddress() {
        return figure(ArenaStats::baseAddress);
    }

    @Override
    public long getReservedBytes() {
        return figure(ArenaStats::reservedBytes);
    }

    @Override
    public long getCommittedBytes() {
        return figure(ArenaStats::committedBytes);
    }

    @Override
    public long getResidentBytes() {
        return figure(ArenaStats::residentBytes);
    }

    @Override
    public long getUsedBytes() {
        return figure(ArenaStats::usedBytes);
    }

    @Override
    public long getLockedBytes() {
        return figure(ArenaStats::lockedBytes);
    }

    @Override
    public long getRetainedBytes() {
        return figure(ArenaStats::retainedBytes);
    }

    @Override
    public int getVmaCount() {
        return stats().vmaCount();
    }

    @Override
    public int getFreeSegments() {
        return stats().freeSegments();
    }

    @Override
    public int getClassSegments() {
        return stats().classSegments();
    }

    @Override
    public int getRunSegments() {
        return stats().runSegments();
    }

    @Override
    public double getFragmentation() {
        return stats().fragmentation();
    }

    @Override
    public long getGrows() {
        return figure(ArenaStats::grows);
    }

    @Override
    public long getMoves() {
        return figure(ArenaStats::moves);
    }

    @Override
    public long getCompactions() {
        return figure(ArenaStats::compactions);
    }

    @Override
    public long getReclaimableBytes() {
        return figure(ArenaStats::reclaimableBytes);
    }

    @Override
    public long getReclaimableReservedBytes() {
        return figure(ArenaStats::reclaimableReservedBytes);
    }

    @Override
    public long getCompactionEstimateNanos() {
        return stats().compactionEstimate().toNanos();
    }

    @Override
    public long getHugePageBytes() {
        return figure(ArenaStats::hugePageBytes);
    }

    @Override
    public String getHugePages() {
        return stats().hugePages().name();
    }

    @Override
    public String getPinState() {
        return stats().pin().state().name();
    }

    @Override
    public long getPinnedBytes() {
        return stats().pin().pinnedBytes();
    }

    @Override
    public String getPinReason() {
        return stats().pin().reason();
    }

    @Override
    public String compact() {
        return arena().compact().toString();
    }

    @Override
    public String residency() {
        return arena().residency().toString();
    }

    @Override
    public long trim(final long bytes) {
        return arena().trim(bytes);
    }

    @Override
    public String pin() {
        return arena().pin().toString();
    }

    @Override
    public String unpin() {
        return arena().unpin().toString();
    }
}
