package io.vmarena.examples;

import org.caffinitas.ohc.CacheSerializer;
import org.caffinitas.ohc.DirectValueAccess;
import org.caffinitas.ohc.OHCache;
import org.caffinitas.ohc.OHCacheBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * cache-churn's OHC contender: an {@link OHCache} of long keys and byte values, configured as a
 * user would (the builder's defaults: the linked implementation, an off-heap entry per key,
 * allocated by JNA's malloc), with a capacity of twice the peak so that it never evicts on its
 * own; a put it refuses is an error. Reads use {@link OHCache#getDirect} (no copy to the heap
 * but the caller's).
 */
final class OhcChurnCache implements ChurnCache {
    private final OHCache<Long, Value> cache;
    private final Value pending = new Value();

    OhcChurnCache(final ChurnLoad.Settings settings) {
        cache = OHCacheBuilder.<Long, Value>newBuilder().keySerializer(new KeySerializer())
            .valueSerializer(new ValueSerializer()).capacity(2 * settings.peakLiveBytes() + (64L << 20))
            .throwOOME(true).build();
    }

    /** The bytes of one put, without a copy: OHC serializes them into its entry. */
    private static final class Value {
        private byte[] bytes;
        private int lengthBytes;
    }

    @Override
    public void put(final long key, final byte[] value, final int lengthBytes) {
        pending.bytes = value;
        pending.lengthBytes = lengthBytes;
        if (!cache.put(key, pending)) {
            throw new IllegalStateException("OHC refused the put of key " + key + " (" + lengthBytes + " bytes)");
        }
    }

    @Override
    public int get(final long key, final byte[] destination) {
        try (DirectValueAccess access = cache.getDirect(key)) {
            if (access == null) {
                return -1;
            }
            final ByteBuffer buffer = access.buffer();
            final int lengthBytes = buffer.remaining();
            buffer.get(destination, 0, lengthBytes);
            return lengthBytes;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void remove(final long key) {
        cache.remove(key);
    }

    @Override
    public void afterBurst() {
        // OHC has no call that gives memory back: its entries are malloc'd and freed one by one.
    }

    @Override
    public String describe() {
        return "memUsed=" + cache.memUsed() + " size=" + cache.size();
    }

    @Override
    public void close() {
        try {
            cache.close();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class KeySerializer implements CacheSerializer<Long> {
        @Override
        public void serialize(final Long key, final ByteBuffer buffer) {
            buffer.putLong(key);
        }

        @Override
        public Long deserialize(final ByteBuffer buffer) {
            return buffer.getLong();
        }

        @Override
        public int serializedSize(final Long key) {
            return Long.BYTES;
        }
    }

    private static final class ValueSerializer implements CacheSerializer<Value> {
        @Override
        public void serialize(final Value value, final ByteBuffer buffer) {
            buffer.put(value.bytes, 0, value.lengthBytes);
        }

        @Override
        public Value deserialize(final ByteBuffer buffer) {
            final Value value = new Value();
            value.lengthBytes = buffer.remaining();
            value.bytes = new byte[value.lengthBytes];
            buffer.get(value.bytes);
            return value;
        }

        @Override
        public int serializedSize(final Value value) {
            return value.lengthBytes;
        }
    }
}
