package io.vmarena.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * cache-churn's Netty contenders: a map of direct ByteBufs, from
 * {@link PooledByteBufAllocator#DEFAULT} or from {@link ByteBufAllocator#DEFAULT} (in Netty 4.2
 * the adaptive allocator, unless {@code -Dio.netty.allocator.type} says otherwise).
 */
final class NettyChurnCache implements ChurnCache {
    private final ByteBufAllocator allocator;
    private final boolean pooled;
    private final Long2ObjectHashMap<ByteBuf> index = new Long2ObjectHashMap<>();

    NettyChurnCache(final boolean pooled) {
        this.pooled = pooled;
        this.allocator = pooled ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT;
    }

    @Override
    public void put(final long key, final byte[] value, final int lengthBytes) {
        final ByteBuf buffer = allocator.directBuffer(lengthBytes, lengthBytes);
        buffer.writeBytes(value, 0, lengthBytes);
        final ByteBuf old = index.put(key, buffer);
        if (old != null) {
            old.release();
        }
    }

    @Override
    public int get(final long key, final byte[] destination) {
        final ByteBuf buffer = index.get(key);
        if (buffer == null) {
            return -1;
        }
        final int lengthBytes = buffer.readableBytes();
        buffer.getBytes(buffer.readerIndex(), destination, 0, lengthBytes);
        return lengthBytes;
    }

    @Override
    public void remove(final long key) {
        index.remove(key).release();
    }

    /** The pooled allocator's one call for it: this thread's cache back to the arenas (chunks stay). */
    @Override
    public void afterBurst() {
        if (pooled) {
            ((PooledByteBufAllocator)allocator).trimCurrentThreadCache();
        }
    }

    @Override
    public String describe() {
        final String name = "allocator=" + allocator.getClass().getName();
        return allocator instanceof ByteBufAllocatorMetricProvider
            ? name + " usedDirectMemory=" + ((ByteBufAllocatorMetricProvider)allocator).metric().usedDirectMemory() : name;
    }

    @Override
    public void close() {
        index.values().forEach(ByteBuf::release);
        index.clear();
    }
}
