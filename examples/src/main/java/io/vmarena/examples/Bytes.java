package io.vmarena.examples;

import io.vmarena.vm.Capabilities;

/** Byte counts for people: {@code 4 KiB}, {@code 2 MiB}, {@code 1.5 GiB}. */
final class Bytes {
    private static final String[] UNITS = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Bytes() {
    }

    static String format(final long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? String.valueOf((long)value) : String.format("%.1f", value)) + " "
            + UNITS[unit];
    }

    /** {@link #format}, or {@code unlimited} for {@link Capabilities#UNLIMITED}. */
    static String limit(final long bytes) {
        return bytes == Capabilities.UNLIMITED ? "unlimited" : format(bytes);
    }
}
