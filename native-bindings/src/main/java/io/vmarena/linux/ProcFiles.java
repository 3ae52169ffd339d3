package io.vmarena.linux;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads /proc and /sys files. Through a stream on purpose: on JDK 17 {@code Files.readString}
 * of a /proc/sys file returns only its first byte ({@code max_map_count} reads as "6").
 */
final class ProcFiles {
    private ProcFiles() {
    }

    static String read(final String path) {
        try (FileInputStream in = new FileInputStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the whole file into {@code buffer} (growing it), for the hot path of discovery: no
     * String, no per-read allocation once the buffer is big enough.
     *
     * @return the buffer holding the bytes (the same one unless it had to grow) and its length in [0]
     */
    static byte[] readInto(final String path, final byte[] buffer, final int[] length) {
        byte[] bytes = buffer;
        int filled = 0;
        try (FileInputStream in = new FileInputStream(path)) {
            while (true) {
                if (filled == bytes.length) {
                    bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
                }
                final int read = in.read(bytes, filled, bytes.length - filled);
                if (read < 0) {
                    break;
                }
                filled += read;
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        length[0] = filled;
        return bytes;
    }

    /** The file's text, trimmed, or null when it cannot be read (a missing /sys knob). */
    static String readOrNull(final String path) {
        try {
            return read(path).trim();
        } catch (final UncheckedIOException e) {
            return null;
        }
    }

    /** The value of a {@code Name:  value} line of a status-style file, or null. */
    static String field(final String text, final String name) {
        final String prefix = name + ":";
        int lineStart = 0;
        while (lineStart < text.length()) {
            int lineEnd = text.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = text.length();
            }
            if (text.startsWith(prefix, lineStart)) {
                return text.substring(lineStart + prefix.length(), lineEnd).trim();
            }
            lineStart = lineEnd + 1;
        }
        return null;
    }

    /** A {@code "1234 kB"} value in bytes. */
    static long kilobytes(final String value) {
        final String digits = value.endsWith("kB") ? value.substring(0, value.length() - 2).trim() : value.trim();
        return Long.parseLong(digits) * 1024;
    }
}
