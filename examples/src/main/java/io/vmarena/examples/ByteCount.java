package io.vmarena.examples;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;

/**
 * A picocli converter for a number of bytes: digits with an optional binary suffix, {@code K},
 * {@code M} or {@code G} (KiB, MiB, GiB; either case). Zero, negative, fractional and
 * overflowing counts are refused with a message that shows the form it takes.
 */
final class ByteCount implements ITypeConverter<Long> {
    @Override
    public Long convert(final String value) {
        final String text = value.trim().toUpperCase(Locale.ROOT);
        final int shift = text.endsWith("K") ? 10 : text.endsWith("M") ? 20 : text.endsWith("G") ? 30 : 0;
        final String digits = shift == 0 ? text : text.substring(0, text.length() - 1);
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
            throw refused(value, "is not a number of bytes");
        }
        final long count;
        try {
            count = Math.multiplyExact(Long.parseLong(digits), 1L << shift);
        } catch (final ArithmeticException | NumberFormatException tooLarge) {
            throw refused(value, "is too large");
        }
        if (count == 0) {
            throw refused(value, "is zero bytes");
        }
        return count;
    }

    private static TypeConversionException refused(final String value, final String what) {
        return new TypeConversionException("'" + value + "' " + what + ": give a whole number of bytes, optionally with "
            + "K, M or G (KiB, MiB, GiB), for example 64M");
    }
}
