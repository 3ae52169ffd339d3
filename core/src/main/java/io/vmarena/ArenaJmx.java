package io.vmarena;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.util.function.ToLongFunction;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * An arena's {@link ArenaMXBean}, and its registration with the platform MBeanServer. It holds
 * the arena weakly: the MBeanServer keeps every registered bean, and a strong reference would
 * keep a dropped arena from its cleaner for good. {@link ArenaCleanup} unregisters it, on
 * close or on the cleaner's release, without reaching the arena.
 */
final class ArenaJmx implements ArenaMXBean {
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
            ManagementFactory.getPlatformMBeanServer().registerMBean(bean, bean.objectName);
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

    private long figure(final ToLongFunction<ArenaStats> field) {
        return field.applyAsLong(arena().stats());
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
        return arena().stats().vmaCount();
    }

    @Override
    public int getFreeSegments() {
        return arena().stats().freeSegments();
    }

    @Override
    public int getClassSegments() {
        return arena().stats().classSegments();
    }

    @Override
    public int getRunSegments() {
        return arena().stats().runSegments();
    }

    @Override
    public double getFragmentation() {
        return arena().stats().fragmentation();
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
        return arena().stats().compactionEstimate().toNanos();
    }

    @Override
    public long getHugePageBytes() {
        return figure(ArenaStats::hugePageBytes);
    }

    @Override
    public String getHugePages() {
        return arena().stats().hugePages().name();
    }

    @Override
    public String getPinState() {
        return arena().stats().pin().state().name();
    }

    @Override
    public long getPinnedBytes() {
        return arena().stats().pin().pinnedBytes();
    }

    @Override
    public String getPinReason() {
        return arena().stats().pin().reason();
    }

    @Override
    public String compact() {
        return arena().compact().toString();
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
