package io.vmarena.examples;

import io.vmarena.Arena;
import io.vmarena.ReadSection;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.SplittableRandom;

/**
 * The pinned-service example's data: a fixed set of keys, each with one value in the arena, its
 * length and its checksum on the heap. A request ({@link #serve}) reads a value and checks it
 * against its checksum, or replaces it (a new block written, the old one freed); a checksum is
 * computed from the value's generator, never read back, so a write that went wrong is caught.
 * Only the request thread calls it; another thread may allocate, free and compact in the same
 * shared arena meanwhile, which is why every use of an address is inside a read section, writes
 * included ({@link io.vmarena.Threading}). Nothing here allocates on the heap after
 * {@link #fill}.
 *
 * <p>A value is 8-byte words, each a function of the key, the value's version and the word's
 * index, so a block holding another value's bytes, stale bytes or zeros fails its check.
 */
final class ServiceValues {
    private static final long WORD_BYTES = Long.BYTES;

    private final Arena arena;
    private final long[] handles;
    private final int[] lengthBytes;
    private final long[] versions;
    private final long[] checksums;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final int writePercent;
    private long reads;
    private long writes;
    private long mismatches;
    private String firstMismatch;

    /**
     * @param keyCount how many values the service holds
     * @param writePercent of the requests, how many replace their value (0 to 100)
     */
    ServiceValues(final Arena arena, final int keyCount, final int writePercent) {
        this.arena = arena;
        this.handles = new long[keyCount];
        this.lengthBytes = new int[keyCount];
        this.versions = new long[keyCount];
        this.checksums = new long[keyCount];
        this.writePercent = writePercent;
    }

    /** Writes every value once, lengths drawn from {@code random} (log-uniform, minimum to maximum bytes). */
    void fill(final SplittableRandom random, final int minimumBytes, final int maximumBytes) {
        for (int key = 0; key < handles.length; key++) {
            lengthBytes[key] = roundToWords(logUniform(random, minimumBytes, maximumBytes));
            handles[key] = write(key, 0);
        }
    }

    /** One request of the sequence {@code random} draws: a read checked against its checksum, or a replacement. */
    void serve(final SplittableRandom random) {
        final int key = random.nextInt(handles.length);
        if (random.nextInt(100) < writePercent) {
            final long old = handles[key];
            handles[key] = write(key, versions[key] + 1);
            arena.free(old);
            writes++;
        } else {
            verify(key);
        }
    }

    /** Checks every value against its checksum (after a run, so none goes unread). */
    void verifyAll() {
        for (int key = 0; key < handles.length; key++) {
            verify(key);
        }
    }

    /** Reads a value inside a read section and compares its checksum with the one kept on the heap. */
    @SuppressWarnings("try") // the section is held for its effect: memory does not move under the view
    private void verify(final int key) {
        final long checksum;
        try (ReadSection section = arena.read()) {
            arena.wrap(view, handles[key]);
            checksum = checksum(view, lengthBytes[key]);
        }
        reads++;
        if (checksum != checksums[key]) {
            mismatches++;
            if (firstMismatch == null) {
                firstMismatch = "key " + key + " (version " + versions[key] + ", " + lengthBytes[key]
                    + " bytes): checksum " + Long.toHexString(checksum) + ", expected " + Long.toHexString(checksums[key]);
            }
        }
    }

    /** Allocates a block for the key's value at {@code version}, writes it inside a read section and keeps its checksum. */
    @SuppressWarnings("try") // the section is held for its effect: memory does not move under the view
    private long write(final int key, final long version) {
        final int length = lengthBytes[key];
        final long handle = arena.allocate(length); // outside the section: allocation may grow the arena, which moves
        try (ReadSection section = arena.read()) {
            arena.wrap(view, handle);
            for (int offset = 0; offset < length; offset += WORD_BYTES) {
                view.putLong(offset, word(key, version, offset));
            }
        }
        // From the generator, not read back: a write that went wrong must not become what is expected.
        checksums[key] = checksumOf(key, version, length);
        versions[key] = version;
        return handle;
    }

    /** The checksum of the key's value at {@code version}, {@code lengthBytes} long, as {@link #write} writes it. */
    static long checksumOf(final int key, final long version, final int lengthBytes) {
        long hash = lengthBytes;
        for (int offset = 0; offset < lengthBytes; offset += WORD_BYTES) {
            hash = checksumStep(hash, word(key, version, offset));
        }
        return mix(hash);
    }

    private static long word(final int key, final long version, final int offset) {
        return mix(((long)key << 32) ^ (version << 20) ^ offset);
    }

    /** The checksum of the block as it reads now; {@link #checksumOf} of the same words gives the same. */
    static long checksum(final UnsafeBuffer buffer, final int length) {
        long hash = length;
        for (int offset = 0; offset < length; offset += WORD_BYTES) {
            hash = checksumStep(hash, buffer.getLong(offset));
        }
        return mix(hash);
    }

    private static long checksumStep(final long hash, final long word) {
        return Long.rotateLeft(hash ^ word, 27) * 0x9E3779B97F4A7C15L;
    }

    /** SplitMix64's finalizer: every input bit moves every output bit. */
    private static long mix(final long value) {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static int logUniform(final SplittableRandom random, final int minimum, final int maximum) {
        return (int)Math.round(Math.exp(random.nextDouble(Math.log(minimum), Math.log(maximum))));
    }

    private static int roundToWords(final int bytes) {
        return (int)((bytes + WORD_BYTES - 1) & -WORD_BYTES);
    }

    /** The key's handle now (tests damage a value through it). */
    long handle(final int key) {
        return handles[key];
    }

    long totalBytes() {
        long total = 0;
        for (final int length : lengthBytes) {
            total += length;
        }
        return total;
    }

    long reads() {
        return reads;
    }

    long writes() {
        return writes;
    }

    long mismatches() {
        return mismatches;
    }

    /** The first mismatch found, or null. */
    String firstMismatch() {
        return firstMismatch;
    }
}
