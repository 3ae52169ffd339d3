package io.vmarena.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Netty's direct buffers, {@code directBuffer(length)} then {@code release()}, as close to Netty's
 * best as JMH allows: leak detection off (its default samples one allocation in 128 and wraps
 * it), and per-thread caches on for the benchmark thread, which Netty otherwise gives only to
 * its own event-loop threads ({@code useCacheForAllThreads} and
 * {@code useCacheForNonEventLoopThreads} default to false).
 *
 * <p>What JMH does not allow: its benchmark thread is a plain {@link Thread}, not Netty's
 * {@code FastThreadLocalThread}, so Netty's thread-locals take their slower path through a JDK
 * {@code ThreadLocal}, as they do in any application thread outside an event loop. In a plain
 * loop on the 2-core VM that built this suite, 64 B allocate and release cost pooled 139 ns on a
 * plain thread and 100 ns on a {@code FastThreadLocalThread}, adaptive 85 and 61 ns.
 */
final class NettyContender extends Contender {
    private final ByteBufAllocator allocator;
    private ByteBuf[] buffers = new ByteBuf[0];

    private NettyContender(final ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    static NettyContender pooled() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        return new NettyContender(new PooledByteBufAllocator(true, PooledByteBufAllocator.defaultNumHeapArena(),
            PooledByteBufAllocator.defaultNumDirectArena(), PooledByteBufAllocator.defaultPageSize(),
            PooledByteBufAllocator.defaultMaxOrder(), PooledByteBufAllocator.defaultSmallCacheSize(),
            PooledByteBufAllocator.defaultNormalCacheSize(), true));
    }

    static NettyContender adaptive() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        return new NettyContender(new AdaptiveByteBufAllocator(true, true));
    }

    @Override
    void allocateAndFree(final int lengthBytes, final Blackhole blackhole) {
        final ByteBuf buffer = allocator.directBuffer(lengthBytes);
        buffer.release();
        blackhole.consume(buffer);
    }

    @Override
    void ring(final int slotCount) {
        buffers = new ByteBuf[slotCount];
    }

    @Override
    void replace(final int slot, final int lengthBytes) {
        if (buffers[slot] != null) {
            buffers[slot].release();
        }
        buffers[slot] = allocator.directBuffer(lengthBytes);
    }

    @Override
    public void close() {
        for (final ByteBuf buffer : buffers) {
            if (buffer != null) {
                buffer.release();
            }
        }
        buffers = new ByteBuf[0];
    }
}
