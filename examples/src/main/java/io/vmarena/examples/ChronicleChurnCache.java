package io.vmarena.examples;

import net.openhft.chronicle.map.ChronicleMap;

import java.util.Arrays;

/**
 * cache-churn's Chronicle Map contender: an off-heap (not persisted) {@code ChronicleMap<Long,
 * byte[]>}, sized as its builder asks (entries: the peak's key count and a fifth more; the mean
 * value size). Its values are exact {@code byte[]}s, so a put copies the caller's bytes into one
 * and a get receives a new one: the map's own API for byte arrays.
 */
final class ChronicleChurnCache implements ChurnCache {
    private static final double ENTRY_MARGIN = 1.2;
    private final ChronicleMap<Long, byte[]> map;

    ChronicleChurnCache(final ChurnLoad.Settings settings) {
        map = ChronicleMap.of(Long.class, byte[].class).name("cache-churn")
            .entries((long)(settings.peakEntries() * ENTRY_MARGIN))
            .averageValueSize(settings.meanValueBytes()).maxBloatFactor(2).create();
    }

    @Override
    public void put(final long key, final byte[] value, final int lengthBytes) {
        map.put(key, Arrays.copyOf(value, lengthBytes));
    }

    @Override
    public int get(final long key, final byte[] destination) {
        final byte[] value = map.get(key);
        if (value == null) {
            return -1;
        }
        System.arraycopy(value, 0, destination, 0, value.length);
        return value.length;
    }

    @Override
    public void remove(final long key) {
        map.remove(key);
    }

    @Override
    public void afterBurst() {
        // Chronicle Map has no call that gives memory back: its store is allocated whole at create().
    }

    @Override
    public String describe() {
        return "offHeapMemoryUsed=" + map.offHeapMemoryUsed() + " size=" + map.size();
    }

    @Override
    public void close() {
        map.close();
    }
}
