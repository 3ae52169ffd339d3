package io.vmarena.examples;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * cache-churn's operation sequence, the same for every contender given the same settings:
 * {@code cycles} bursts, each a fill (puts until the live payload reaches {@code peakLiveBytes},
 * one in ten overwriting a live key with a new version, each put followed by a get of a random
 * live key) and an eviction (random live keys removed until {@code 1 - evictShare} of the peak
 * is left, each removal followed by a get), then {@link ChurnCache#afterBurst()}; then a settle
 * of {@code settleRounds} rounds of gets, 100 ms apart, so background work can finish.
 *
 * <p>Live bytes count the payload: 8 key bytes plus the value's length, per live key. A value's
 * length and bytes follow from its key and version ({@link #valueLength}, {@link #fill}), so
 * every get is checked byte for byte against what the last put of that key wrote.
 */
final class ChurnLoad {
    static final int KEY_BYTES = Long.BYTES;
    /**
     * The live bytes of each child's warm-up, before its baseline: enough operations (about
     * 30,000 puts and gets per burst) for the JIT to compile the load's and the cache's paths,
     * small enough that a pool kept past close (Netty's allocator is a singleton) holds little.
     */
    static final long WARMUP_LIVE_BYTES = 16L << 20;
    private static final int OPS_PER_REPORT = 16_384;
    private static final long SETTLE_PAUSE_MILLIS = 100;
    private static final double OVERWRITE_SHARE = 0.1;

    /** What the child is told; {@link #toArgs} and {@link #parse} carry it over a command line. */
    record Settings(long seed, long peakLiveBytes, int cycles, double evictShare, int minValueBytes,
        int maxValueBytes, int settleRounds) {
        Settings {
            if (peakLiveBytes <= 0 || cycles <= 0 || !(evictShare > 0 && evictShare < 1) || minValueBytes <= 0
                || maxValueBytes < minValueBytes || settleRounds < 0) {
                throw new IllegalArgumentException("bad cache-churn settings: " + this);
            }
        }

        String[] toArgs() {
            return new String[] {Long.toString(seed), Long.toString(peakLiveBytes), Integer.toString(cycles),
                Double.toString(evictShare), Integer.toString(minValueBytes), Integer.toString(maxValueBytes),
                Integer.toString(settleRounds)};
        }

        static Settings parse(final String[] args, final int from) {
            return new Settings(Long.parseLong(args[from]), Long.parseLong(args[from + 1]),
                Integer.parseInt(args[from + 2]), Double.parseDouble(args[from + 3]), Integer.parseInt(args[from + 4]),
                Integer.parseInt(args[from + 5]), Integer.parseInt(args[from + 6]));
        }

        /**
         * The warm-up each child runs before its baseline: the same operations (bursts, value
         * sizes, eviction share) at {@link #WARMUP_LIVE_BYTES} live (or less), another seed, no
         * settle; the cache is closed again before the baseline is read.
         */
        Settings warmup() {
            return new Settings(seed + 1, Math.min(peakLiveBytes, WARMUP_LIVE_BYTES), cycles, evictShare,
                minValueBytes, maxValueBytes, 0);
        }

        /** The mean value length of the log-uniform draw: what a store sized in advance is told. */
        double meanValueBytes() {
            return minValueBytes == maxValueBytes ? minValueBytes
                : (maxValueBytes - minValueBytes) / Math.log((double)maxValueBytes / minValueBytes);
        }

        /** About the most keys live at once (the peak over the mean entry), for stores sized in advance. */
        long peakEntries() {
            return (long)(peakLiveBytes / (meanValueBytes() + KEY_BYTES)) + 1;
        }
    }

    /** Where the load reports; the child prints it and records the latencies. */
    interface Sink {
        void phase(String name);

        void progress(long operationCount, long liveBytes);

        void put(long nanos);

        void get(long nanos);

        void mismatch(long key, int version, String what);
    }

    private final Settings settings;
    private final ChurnCache cache;
    private final Sink sink;
    private final SplittableRandom random;
    private final byte[] value;
    private final byte[] read;
    private int[] versions = new int[1 << 16];
    private int[] positions = new int[1 << 16];
    private int[] liveKeys = new int[1 << 16];
    private int liveCount;
    private int keyCount;
    private long liveBytes;
    private long operationCount;
    private long verifiedCount;

    ChurnLoad(final Settings settings, final ChurnCache cache, final Sink sink) {
        this.settings = settings;
        this.cache = cache;
        this.sink = sink;
        this.random = new SplittableRandom(settings.seed());
        this.value = new byte[settings.maxValueBytes()];
        this.read = new byte[settings.maxValueBytes()];
    }

    /** Runs the whole sequence; returns the values verified (every get that found its key, byte for byte). */
    long run() throws InterruptedException {
        final long floorBytes = (long)(settings.peakLiveBytes() * (1 - settings.evictShare()));
        for (int cycle = 1; cycle <= settings.cycles(); cycle++) {
            sink.phase("fill " + cycle);
            while (liveBytes < settings.peakLiveBytes()) {
                if (liveCount > 0 && random.nextDouble() < OVERWRITE_SHARE) {
                    put(liveKeys[random.nextInt(liveCount)]);
                } else {
                    put(newKey());
                }
                getRandom();
            }
            sink.phase("evict " + cycle);
            while (liveBytes > floorBytes) {
                remove(liveKeys[random.nextInt(liveCount)]);
                getRandom();
            }
            cache.afterBurst();
        }
        sink.phase("settle");
        final int getsPerRound = Math.max(1, liveCount / 10);
        for (int round = 0; round < settings.settleRounds(); round++) {
            for (int i = 0; i < getsPerRound; i++) {
                getRandom();
            }
            Thread.sleep(SETTLE_PAUSE_MILLIS);
        }
        cache.afterBurst();
        sink.progress(operationCount, liveBytes);
        return verifiedCount;
    }

    long liveBytes() {
        return liveBytes;
    }

    private int newKey() {
        final int key = keyCount++;
        if (key == versions.length) {
            versions = Arrays.copyOf(versions, key * 2);
            positions = Arrays.copyOf(positions, key * 2);
        }
        versions[key] = -1; // not live yet
        return key;
    }

    private void put(final int key) {
        final int version = ++versions[key];
        final int lengthBytes = valueLength(key, version, settings);
        fill(value, lengthBytes, key, version);
        final long start = System.nanoTime();
        cache.put(key, value, lengthBytes);
        sink.put(System.nanoTime() - start);
        if (version == 0) {
            if (liveCount == liveKeys.length) {
                liveKeys = Arrays.copyOf(liveKeys, liveCount * 2);
            }
            positions[key] = liveCount;
            liveKeys[liveCount++] = key;
        } else {
            liveBytes -= KEY_BYTES + valueLength(key, version - 1, settings);
        }
        liveBytes += KEY_BYTES + lengthBytes;
        counted();
    }

    private void remove(final int key) {
        cache.remove(key);
        liveBytes -= KEY_BYTES + valueLength(key, versions[key], settings);
        final int position = positions[key];
        final int last = liveKeys[--liveCount];
        liveKeys[position] = last;
        positions[last] = position;
        versions[key] = Integer.MIN_VALUE / 2; // never live again: the load does not reuse keys
        counted();
    }

    private void getRandom() {
        if (liveCount == 0) {
            return;
        }
        final int key = liveKeys[random.nextInt(liveCount)];
        final int version = versions[key];
        final long start = System.nanoTime();
        final int lengthBytes = cache.get(key, read);
        sink.get(System.nanoTime() - start);
        final int expected = valueLength(key, version, settings);
        if (lengthBytes != expected) {
            sink.mismatch(key, version, "length " + lengthBytes + ", expected " + expected);
        } else {
            final int wrong = firstWrongByte(read, lengthBytes, key, version);
            if (wrong >= 0) {
                sink.mismatch(key, version, "byte " + wrong + " of " + lengthBytes + " differs");
            } else {
                verifiedCount++;
            }
        }
        counted();
    }

    private void counted() {
        if (++operationCount % OPS_PER_REPORT == 0) {
            sink.progress(operationCount, liveBytes);
        }
    }

    /** A value's length: log-uniform from the settings' minimum to maximum, fixed by key and version. */
    static int valueLength(final int key, final int version, final Settings settings) {
        final double unit = (mix(key, version) >>> 11) * 0x1.0p-53;
        final double ratio = (double)settings.maxValueBytes() / settings.minValueBytes();
        return (int)Math.min(settings.maxValueBytes(), settings.minValueBytes() * Math.pow(ratio, unit));
    }

    /** Writes the value of {@code key} at {@code version}: a byte stream that differs per key, version and position. */
    static void fill(final byte[] bytes, final int lengthBytes, final int key, final int version) {
        final long seed = mix(key, ~version);
        for (int i = 0; i < lengthBytes; i++) {
            bytes[i] = patternByte(seed, i);
        }
    }

    /** The first byte that is not what {@link #fill} wrote, or -1. */
    static int firstWrongByte(final byte[] bytes, final int lengthBytes, final int key, final int version) {
        final long seed = mix(key, ~version);
        for (int i = 0; i < lengthBytes; i++) {
            if (bytes[i] != patternByte(seed, i)) {
                return i;
            }
        }
        return -1;
    }

    private static byte patternByte(final long seed, final int index) {
        return (byte)((seed + index * 0x9E3779B97F4A7C15L) >>> 56);
    }

    /** SplitMix64's finaliser over key and version. */
    private static long mix(final int key, final int version) {
        long z = ((long)key << 32 | (version & 0xFFFF_FFFFL)) + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
