package io.vmarena.examples;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChurnLoadTest {
    private static final ChurnLoad.Settings SMALL = new ChurnLoad.Settings(7, 1 << 20, 2, 0.9, 32, 4096, 0);

    /** A cache on the heap; {@code corruptEvery} > 0 flips a byte of every n-th value it stores. */
    private static final class HeapCache implements ChurnCache {
        private final Map<Long, byte[]> values = new HashMap<>();
        private final int corruptEvery;
        private final List<String> calls = new ArrayList<>();
        private int puts;

        HeapCache(final int corruptEvery) {
            this.corruptEvery = corruptEvery;
        }

        @Override
        public void put(final long key, final byte[] value, final int lengthBytes) {
            final byte[] copy = java.util.Arrays.copyOf(value, lengthBytes);
            if (corruptEvery > 0 && ++puts % corruptEvery == 0) {
                copy[lengthBytes - 1] ^= 1;
            }
            values.put(key, copy);
            calls.add("put " + key + " " + lengthBytes);
        }

        @Override
        public int get(final long key, final byte[] destination) {
            final byte[] value = values.get(key);
            System.arraycopy(value, 0, destination, 0, value.length);
            return value.length;
        }

        @Override
        public void remove(final long key) {
            assertTrue(values.remove(key) != null, "removed a key that has no value: " + key);
            calls.add("remove " + key);
        }

        @Override
        public void afterBurst() {
            calls.add("afterBurst");
        }

        @Override
        public String describe() {
            return "";
        }

        @Override
        public void close() {
        }
    }

    /** Counts what the load reports. */
    private static final class CountingSink implements ChurnLoad.Sink {
        private final List<String> phases = new ArrayList<>();
        private final List<String> mismatches = new ArrayList<>();
        private long gets;
        private long puts;
        private long peakLiveBytes;

        @Override
        public void phase(final String name) {
            phases.add(name);
        }

        @Override
        public void progress(final long operationCount, final long liveBytes) {
            peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        }

        @Override
        public void put(final long nanos) {
            puts++;
        }

        @Override
        public void get(final long nanos) {
            gets++;
        }

        @Override
        public void mismatch(final long key, final int version, final String what) {
            mismatches.add(key + "@" + version + ": " + what);
        }
    }

    @Test
    void shouldVerifyEveryGetAndFollowTheBurstsOfTheSettings() throws InterruptedException {
        final HeapCache cache = new HeapCache(0);
        final CountingSink sink = new CountingSink();
        final ChurnLoad load = new ChurnLoad(SMALL, cache, sink);

        final long verified = load.run();

        assertEquals(List.of("fill 1", "evict 1", "fill 2", "evict 2", "settle"), sink.phases);
        assertEquals(List.of(), sink.mismatches);
        assertEquals(sink.gets, verified, "every get found its key and was checked byte for byte");
        assertEquals(3, cache.calls.stream().filter("afterBurst"::equals).count(), "after each burst and the settle");
        assertTrue(load.liveBytes() <= SMALL.peakLiveBytes() / 10, "90% evicted: " + load.liveBytes());
        assertTrue(load.liveBytes() > SMALL.peakLiveBytes() / 10 - 8 - 4096, "no more than one value below: "
            + load.liveBytes());
        final long liveByCache = cache.values.entrySet().stream().mapToLong(e -> 8 + e.getValue().length).sum();
        assertEquals(liveByCache, load.liveBytes(), "live bytes are the keys and values the cache holds");
    }

    @Test
    void shouldRunTheSameSequenceForTheSameSeed() throws InterruptedException {
        final HeapCache first = new HeapCache(0);
        final HeapCache second = new HeapCache(0);
        new ChurnLoad(SMALL, first, new CountingSink()).run();
        new ChurnLoad(SMALL, second, new CountingSink()).run();

        assertEquals(first.calls, second.calls);
    }

    @Test
    void shouldReportAValueThatCameBackWrong() throws InterruptedException {
        final CountingSink sink = new CountingSink();
        final long verified = new ChurnLoad(SMALL, new HeapCache(97), sink).run();

        assertTrue(!sink.mismatches.isEmpty(), "a flipped last byte must be found");
        for (final String mismatch : sink.mismatches) {
            final java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\\d+@\\d+: byte (\\d+) of (\\d+) "
                + "differs").matcher(mismatch);
            assertTrue(matcher.matches(), mismatch);
            assertEquals(Integer.parseInt(matcher.group(2)) - 1, Integer.parseInt(matcher.group(1)), "the last byte");
        }
        assertEquals(sink.gets, verified + sink.mismatches.size());
    }

    @Test
    void shouldFindAnySingleWrongByte() {
        final byte[] value = new byte[300];
        ChurnLoad.fill(value, value.length, 5, 3);
        assertEquals(-1, ChurnLoad.firstWrongByte(value, value.length, 5, 3));
        for (final int index : new int[] {0, 1, 150, 299}) {
            final byte[] wrong = value.clone();
            wrong[index]++;
            assertEquals(index, ChurnLoad.firstWrongByte(wrong, wrong.length, 5, 3));
        }
        assertEquals(0, ChurnLoad.firstWrongByte(value, value.length, 5, 4), "another version's bytes differ");
        assertEquals(0, ChurnLoad.firstWrongByte(value, value.length, 6, 3), "another key's bytes differ");
    }

    @Test
    void shouldDrawValueLengthsWithinTheBoundsAndTheSameForAKeyAndVersion() {
        int shortest = Integer.MAX_VALUE;
        int longest = 0;
        for (int key = 0; key < 10_000; key++) {
            final int lengthBytes = ChurnLoad.valueLength(key, 0, SMALL);
            assertEquals(lengthBytes, ChurnLoad.valueLength(key, 0, SMALL));
            shortest = Math.min(shortest, lengthBytes);
            longest = Math.max(longest, lengthBytes);
        }
        assertTrue(shortest >= 32 && shortest < 40, "shortest " + shortest);
        assertTrue(longest <= 4096 && longest > 3800, "longest " + longest);
    }

    @Test
    void shouldWarmUpWithTheSameOperationsOnASmallScaleWithoutASettle() {
        final ChurnLoad.Settings full = new ChurnLoad.Settings(12, 1L << 30, 3, 0.9, 32, 8192, 30);

        assertEquals(new ChurnLoad.Settings(13, 16L << 20, 3, 0.9, 32, 8192, 0), full.warmup());
        assertEquals(new ChurnLoad.Settings(8, 1 << 20, 2, 0.9, 32, 4096, 0), SMALL.warmup(), "never above the run");
    }

    @Test
    void shouldCarryTheSettingsOverACommandLine() {
        final String[] args = SMALL.toArgs();
        final String[] shifted = new String[args.length + 2];
        System.arraycopy(args, 0, shifted, 2, args.length);

        assertEquals(SMALL, ChurnLoad.Settings.parse(shifted, 2));
        assertArrayEquals(args, ChurnLoad.Settings.parse(shifted, 2).toArgs());
    }

    @Test
    void shouldRefuseSettingsThatCannotMakeALoad() {
        for (final double evictShare : new double[] {0, 1, Double.NaN}) {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new ChurnLoad.Settings(1, 1 << 20, 1, evictShare, 32, 64, 0));
            assertTrue(refused.getMessage().startsWith("bad cache-churn settings"), refused.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new ChurnLoad.Settings(1, 1 << 20, 1, 0.5, 64, 32, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChurnLoad.Settings(1, 0, 1, 0.5, 32, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChurnLoad.Settings(1, 1 << 20, 0, 0.5, 32, 64, 0));
    }
}
