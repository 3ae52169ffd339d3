package io.vmarena;

import io.vmarena.support.FailingAddressSpace;
import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Residency;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An arena's MXBean, read and called through the platform MBeanServer as a dashboard would, on
 * a fresh simulated Linux 6.17 process per test. Every arena here has a name of its own: the
 * platform MBeanServer is the process's.
 */
class ArenaJmxTest extends ArenaFixture {
    /** System.gc() rounds before a dropped arena counts as never cleaned. */
    private static final int GC_ATTEMPTS = 100;

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    ArenaJmxTest() {
        simulate(KernelProfile.LINUX_6_17);
    }

    private Arena.Builder arena(final String name) {
        return Arena.builder().addressSpace(space).segmentBytes(segmentBytes).name(name).jmx(true);
    }

    private static ObjectName objectName(final String arenaName) throws Exception {
        return new ObjectName("io.vmarena:type=Arena,name=" + ObjectName.quote(arenaName));
    }

    @Test
    void shouldShowEveryFigureOfStatsThroughThePlatformMBeanServer() throws Exception {
        try (Arena arena = arena("jmx-figures").threading(Threading.SHARED).build()) {
            final long kept = arena.allocate(3 * segmentBytes);
            arena.free(arena.allocate(2 * segmentBytes));
            arena.allocate(64);
            assertTrue(kept != 0);
            final ObjectName name = objectName("jmx-figures");
            final ArenaStats stats = arena.stats();
            final List<Object[]> expected = List.of(
                new Object[] {"Name", "jmx-figures"}, new Object[] {"Threading", "SHARED"},
                new Object[] {"BaseAddress", stats.baseAddress()}, new Object[] {"ReservedBytes", stats.reservedBytes()},
                new Object[] {"CommittedBytes", stats.committedBytes()},
                new Object[] {"ResidentBytes", stats.residentBytes()}, new Object[] {"UsedBytes", stats.usedBytes()},
                new Object[] {"LockedBytes", stats.lockedBytes()}, new Object[] {"RetainedBytes", stats.retainedBytes()},
                new Object[] {"VmaCount", stats.vmaCount()}, new Object[] {"FreeSegments", stats.freeSegments()},
                new Object[] {"ClassSegments", stats.classSegments()}, new Object[] {"RunSegments", stats.runSegments()},
                new Object[] {"Fragmentation", stats.fragmentation()}, new Object[] {"Grows", stats.grows()},
                new Object[] {"Moves", stats.moves()}, new Object[] {"Compactions", stats.compactions()},
                new Object[] {"ReclaimableBytes", stats.reclaimableBytes()},
                new Object[] {"ReclaimableReservedBytes", stats.reclaimableReservedBytes()},
                new Object[] {"CompactionEstimateNanos", stats.compactionEstimate().toNanos()},
                new Object[] {"HugePageBytes", stats.hugePageBytes()}, new Object[] {"HugePages", stats.hugePages().name()},
                new Object[] {"PinState", stats.pin().state().name()}, new Object[] {"PinnedBytes", stats.pin().pinnedBytes()},
                new Object[] {"PinReason", stats.pin().reason()});
            for (final Object[] attribute : expected) {
                assertEquals(attribute[1], server.getAttribute(name, (String)attribute[0]), (String)attribute[0]);
            }
            assertEquals(expected.size(), server.getMBeanInfo(name).getAttributes().length,
                "an attribute this test does not check: " + List.of(server.getMBeanInfo(name).getAttributes()).stream()
                    .map(MBeanAttributeInfo::getName).toList());
            assertTrue(stats.usedBytes() > 3 * segmentBytes && stats.committedBytes() > 0);
        }
    }

    /** Counts what stats() asks the address space: its VMA queries (one per stats()) and page-table walks. */
    private static final class CountingWalks extends ForwardingAddressSpace {
        private int walks;
        private int vmaQueries;

        CountingWalks(final SimulatedAddressSpace space) {
            super(space);
        }

        @Override
        public Residency residency(final long fromAddress, final long toAddress, final long[] within) {
            walks++;
            return super.residency(fromAddress, toAddress, within);
        }

        @Override
        public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
            vmaQueries++;
            return super.mappings(fromAddress, toAddress, source);
        }
    }

    private static String[] attributeNames(final MBeanServer server, final ObjectName name) throws Exception {
        return List.of(server.getMBeanInfo(name).getAttributes()).stream().map(MBeanAttributeInfo::getName)
            .toArray(String[]::new);
    }

    private static Object value(final AttributeList values, final String attributeName) {
        return values.asList().stream().filter(attribute -> attribute.getName().equals(attributeName))
            .map(Attribute::getValue).findFirst().orElseThrow(() -> new AssertionError("no " + attributeName));
    }

    /**
     * A dashboard's scrape (getAttributes of all 25) takes one stats(), not one per attribute,
     * and answers from that one snapshot, walking no page tables; the next scrape reads again and
     * shows what changed since. The measured figures are an operation's, one walk each.
     */
    @Test
    void shouldAnswerAScrapeOfEveryAttributeFromOneStats() throws Exception {
        final CountingWalks counting = new CountingWalks((SimulatedAddressSpace)space);
        try (Arena arena = Arena.builder().addressSpace(counting).segmentBytes(segmentBytes).name("jmx-scrape")
            .threading(Threading.SHARED).jmx(true).build()) {
            arena.allocate(3 * segmentBytes);
            final ObjectName name = objectName("jmx-scrape");
            final String[] all = attributeNames(server, name);
            assertEquals(25, all.length);
            final int before = counting.vmaQueries;
            final ArenaStats stats = arena.stats();
            final int readsPerStats = counting.vmaQueries - before;
            assertEquals(1, readsPerStats, "stats() reads the VMAs once");
            final int beforeScrape = counting.vmaQueries;
            final AttributeList first = server.getAttributes(name, all);
            assertEquals(readsPerStats, counting.vmaQueries - beforeScrape, "one scrape took more than one stats()");
            assertEquals(all.length, first.size(), "a scrape left attributes out: " + first);
            assertEquals(stats.usedBytes(), value(first, "UsedBytes"));
            assertEquals(stats.residentBytes(), value(first, "ResidentBytes"));
            arena.allocate(2 * segmentBytes);
            final ArenaStats later = arena.stats();
            final int beforeSecond = counting.vmaQueries;
            final AttributeList second = server.getAttributes(name, all);
            assertEquals(readsPerStats, counting.vmaQueries - beforeSecond, "the second scrape did not read once");
            assertEquals(later.usedBytes(), value(second, "UsedBytes"), "the second scrape showed the first's figures");
            assertEquals(later.committedBytes(), value(second, "CommittedBytes"));
            final int beforeSingle = counting.vmaQueries;
            assertEquals(later.residentBytes(), server.getAttribute(name, "ResidentBytes"));
            assertEquals(readsPerStats, counting.vmaQueries - beforeSingle, "a single getAttribute reads its own stats()");
            final int beforeNames = counting.vmaQueries;
            assertEquals(2, server.getAttributes(name, new String[] {"Name", "Threading"}).size());
            assertEquals(0, counting.vmaQueries - beforeNames, "a scrape of Name and Threading read the arena");
            assertEquals(0, counting.walks, "stats() walked page tables in an arena without huge pages");
            final Object measured = server.invoke(name, "residency", new Object[0], new String[0]);
            assertEquals(1, counting.walks, "the residency operation walks once");
            assertEquals(arena.residency().toString(), measured);
        }
    }

    @Test
    void shouldNotRegisterUnlessAsked() throws Exception {
        try (Arena arena = Arena.builder().addressSpace(space).segmentBytes(segmentBytes).name("jmx-not-asked").build()) {
            assertFalse(server.isRegistered(objectName("jmx-not-asked")));
            assertEquals("jmx-not-asked", arena.name());
        }
    }

    @Test
    void shouldCompactTrimPinAndUnpinThroughOperations() throws Exception {
        try (Arena arena = arena("jmx-operations").threading(Threading.SHARED).build()) {
            final ObjectName name = objectName("jmx-operations");
            final long[] handles = new long[8];
            for (int index = 0; index < handles.length; index++) {
                handles[index] = arena.allocate(segmentBytes);
            }
            for (int index = 0; index < handles.length - 1; index++) {
                arena.free(handles[index]); // the last stays: compaction slides it down
            }
            final long movesBefore = arena.stats().moves();
            final String compaction = (String)server.invoke(name, "compact", new Object[0], new String[0]);
            assertTrue(compaction.startsWith("CompactionResult[movedBytes="), compaction);
            assertTrue(arena.stats().moves() > movesBefore, "compact() through JMX moved nothing: " + compaction);
            assertEquals(arena.stats().moves(), server.getAttribute(name, "Moves"));
            final long trimmed = (Long)server.invoke(name, "trim", new Object[] {Long.MAX_VALUE},
                new String[] {long.class.getName()});
            assertEquals(0, arena.stats().retainedBytes(), "trim(Long.MAX_VALUE) through JMX left retained bytes");
            assertTrue(trimmed >= 0);
            final String pinned = (String)server.invoke(name, "pin", new Object[0], new String[0]);
            assertEquals(arena.stats().pin().toString(), pinned);
            assertEquals("PINNED", server.getAttribute(name, "PinState"));
            final String unpinned = (String)server.invoke(name, "unpin", new Object[0], new String[0]);
            assertEquals(arena.stats().pin().toString(), unpinned);
            assertEquals("UNPINNED", server.getAttribute(name, "PinState"));
            final RuntimeMBeanException refused = assertThrows(RuntimeMBeanException.class,
                () -> server.invoke(name, "trim", new Object[] {-1L}, new String[] {long.class.getName()}));
            assertInstanceOf(IllegalArgumentException.class, refused.getCause());
        }
    }

    @Test
    void shouldUnregisterOnClose() throws Exception {
        final Arena arena = arena("jmx-closed").build();
        assertTrue(server.isRegistered(objectName("jmx-closed")));
        arena.close();
        assertFalse(server.isRegistered(objectName("jmx-closed")));
        arena.close(); // again: nothing to unregister, no error
        try (Arena again = arena("jmx-closed").build()) {
            assertEquals(again.name(), server.getAttribute(objectName("jmx-closed"), "Name"),
                "the name is free again once its arena closed");
        }
    }

    @Test
    void shouldUnregisterWhenCloseFailsToUnmap() throws Exception {
        final FailingAddressSpace failing = new FailingAddressSpace((SimulatedAddressSpace)space);
        final Arena arena = Arena.builder().addressSpace(failing).segmentBytes(segmentBytes).name("jmx-failed-close")
            .jmx(true).build();
        arena.allocate(64);
        failing.failUnmapAfter(0);
        final IllegalStateException refused = assertThrows(IllegalStateException.class, arena::close);
        assertTrue(refused.getMessage().contains("arena 'jmx-failed-close'"), refused.getMessage());
        assertFalse(server.isRegistered(objectName("jmx-failed-close")), "a failed close left the MBean registered");
        arena.close(); // the retry unmaps what is left
    }

    @Test
    void shouldUnregisterWhenTheCleanerReleasesADroppedArena() throws Exception {
        final ArenaLifecycleContract.LeakLog log = new ArenaLifecycleContract.LeakLog(1);
        final ArenaLeaks previous = ArenaLeaks.install(new ArenaLeaks(log, false));
        try {
            buildAndDrop("jmx-dropped");
            assertTrue(server.isRegistered(objectName("jmx-dropped")));
            for (int attempt = 0; attempt < GC_ATTEMPTS && log.pending.getCount() > 0; attempt++) {
                System.gc();
                log.pending.await(100, TimeUnit.MILLISECONDS);
            }
            assertEquals(0, log.pending.getCount(), "the cleaner never released the dropped arena");
            assertFalse(server.isRegistered(objectName("jmx-dropped")), "the cleaner left the MBean registered");
        } finally {
            ArenaLeaks.install(previous);
        }
    }

    /** In its own frame, so no local keeps the arena reachable. */
    private void buildAndDrop(final String name) {
        arena(name).build().allocate(64);
    }

    @Test
    void shouldRegisterNamesWithQuotesColonsAndCommas() throws Exception {
        final String awkward = "cache \"a\", tenant=b: *?\\ end";
        try (Arena arena = arena(awkward).threading(Threading.SHARED).build()) {
            final ObjectName name = objectName(awkward);
            assertTrue(server.isRegistered(name));
            assertEquals(awkward, ObjectName.unquote(name.getKeyProperty("name")));
            assertEquals(awkward, server.getAttribute(name, "Name"));
            assertEquals(arena.stats().reservedBytes(), server.getAttribute(name, "ReservedBytes"));
        }
        assertFalse(server.isRegistered(objectName(awkward)));
    }

    @Test
    void shouldRefuseASecondOpenArenaOfTheSameName() throws Exception {
        try (Arena first = arena("jmx-twice").threading(Threading.SHARED).build()) {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> arena("jmx-twice").build());
            assertTrue(refused.getMessage().contains("io.vmarena:type=Arena,name=\"jmx-twice\" is registered already"),
                refused.getMessage());
            assertTrue(refused.getMessage().contains("own name"), refused.getMessage());
            assertEquals(first.stats().reservedBytes(), server.getAttribute(objectName("jmx-twice"), "ReservedBytes"),
                "the first arena's MBean was replaced or removed");
        }
    }

    /**
     * A confined arena's figures read from a JMX thread (stats() from another thread, see
     * {@link Arena#stats()}), its operations refused there with the arena's message.
     */
    @Test
    void shouldShowAConfinedArenasFiguresToJmxThreadsAndRefuseTheirOperations() throws Exception {
        try (Arena arena = arena("jmx-confined").build()) {
            final long kept = arena.allocate(3 * segmentBytes);
            arena.allocate(64);
            final ObjectName name = objectName("jmx-confined");
            final ArenaStats stats = arena.stats();
            assertEquals(stats.usedBytes(), server.getAttribute(name, "UsedBytes"), "the owner may read it");
            final Object[] figures = CompletableFuture.supplyAsync(() -> {
                try {
                    return new Object[] {server.getAttribute(name, "UsedBytes"),
                        server.getAttribute(name, "ResidentBytes"), server.getAttribute(name, "VmaCount"),
                        server.getAttribute(name, "ReclaimableBytes"), server.getAttribute(name, "PinState")};
                } catch (final Exception unexpected) {
                    throw new AssertionError(unexpected);
                }
            }).get();
            assertEquals(List.of(stats.usedBytes(), stats.residentBytes(), stats.vmaCount(), stats.reclaimableBytes(),
                stats.pin().state().name()), List.of(figures), "a JMX thread reads the idle owner's figures");
            final CompletableFuture<Throwable[]> fromAnother = CompletableFuture.supplyAsync(() -> new Throwable[] {
                assertThrows(RuntimeMBeanException.class,
                    () -> server.invoke(name, "compact", new Object[0], new String[0])).getCause(),
                assertThrows(RuntimeMBeanException.class,
                    () -> server.invoke(name, "pin", new Object[0], new String[0])).getCause()});
            for (final Throwable cause : fromAnother.get()) {
                assertInstanceOf(IllegalStateException.class, cause);
                assertTrue(cause.getMessage().contains("arena 'jmx-confined' is confined to thread '"
                    + Thread.currentThread().getName() + "'"), cause.getMessage());
                assertTrue(cause.getMessage().contains("threading(Threading.SHARED)"), cause.getMessage());
            }
            assertEquals(PinState.UNPINNED, arena.stats().pin().state(), "a refused pin changed the arena");
            assertTrue(kept != 0);
        }
    }
}
