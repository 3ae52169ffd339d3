package io.vmarena.examples;

import io.vmarena.vm.AddressSpaces;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The caches cache-churn compares, each run in a child JVM of its own. The {@code id} is the
 * name {@code --contenders} takes and the key of the JSON summary; the label is what the table
 * and the charts show. A peer's classes come from the peers directory (see {@link CacheChurn}).
 */
enum ChurnContender {
    VMARENA("vmarena", "vmarena (arena + on-heap index)", null, List.of()),
    NETTY_POOLED("netty-pooled", "Netty PooledByteBufAllocator.DEFAULT", "io.netty.buffer.PooledByteBufAllocator",
        List.of()),
    NETTY_ADAPTIVE("netty-adaptive", "Netty ByteBufAllocator.DEFAULT (adaptive in 4.2)",
        "io.netty.buffer.PooledByteBufAllocator", List.of()),
    OHC("ohc", "OHC (ohc-core)", "org.caffinitas.ohc.OHCache", List.of()),
    /** Chronicle's documented flags for Java 17 (chronicle.software/chronicle-support-java-17), and no usage data sent out. */
    CHRONICLE("chronicle", "Chronicle Map", "net.openhft.chronicle.map.ChronicleMap", List.of(
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
        "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED",
        "-Dchronicle.analytics.disable=true"));

    /** Agrona 2 reaches jdk.internal.misc (the parent pom's vmarena.jvm.opens): every child runs Agrona. */
    static final String AGRONA_OPENS = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";

    private final String id;
    private final String label;
    private final String peerClassName;
    private final List<String> jvmFlags;

    ChurnContender(final String id, final String label, final String peerClassName, final List<String> jvmFlags) {
        this.id = id;
        this.label = label;
        this.peerClassName = peerClassName;
        this.jvmFlags = jvmFlags;
    }

    String id() {
        return id;
    }

    String label() {
        return label;
    }

    /** A class of the peer's library, to tell whether the peers are on a class path; null for vmarena. */
    String peerClassName() {
        return peerClassName;
    }

    /** The flags this contender's JVM needs beyond the common ones. */
    List<String> jvmFlags() {
        return jvmFlags;
    }

    /** Opens the cache in the child; {@code backend} is linux, sim or default (vmarena only). */
    ChurnCache open(final String backend, final ChurnLoad.Settings settings) {
        switch (this) {
            case VMARENA:
                return new ArenaChurnCache(backend.equals("default") ? AddressSpaces.system()
                    : AddressSpaces.open(backend));
            case NETTY_POOLED:
                return new NettyChurnCache(true);
            case NETTY_ADAPTIVE:
                return new NettyChurnCache(false);
            case OHC:
                return new OhcChurnCache(settings);
            case CHRONICLE:
                return new ChronicleChurnCache(settings);
            default:
                throw new AssertionError(this);
        }
    }

    /** The contender of an id, or an IllegalArgumentException that lists the ids. */
    static ChurnContender byId(final String id) {
        for (final ChurnContender contender : values()) {
            if (contender.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return contender;
            }
        }
        throw new IllegalArgumentException("no contender '" + id + "': choose from " + ids());
    }

    static String ids() {
        return Arrays.stream(values()).map(ChurnContender::id).collect(Collectors.joining(","));
    }
}
