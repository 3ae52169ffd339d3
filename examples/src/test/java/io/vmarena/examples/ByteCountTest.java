package io.vmarena.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteCountTest {
    private final ByteCount converter = new ByteCount();

    @Test
    void shouldReadDigitsWithABinarySuffixInEitherCase() {
        assertEquals(4096L, converter.convert("4096"));
        assertEquals(64L << 10, converter.convert("64K"));
        assertEquals(64L << 10, converter.convert("64k"));
        assertEquals(2L << 20, converter.convert("2M"));
        assertEquals(3L << 30, converter.convert("3g"));
    }

    @Test
    void shouldRefuseNonsenseZeroAndOverflowSayingWhatItTakes() {
        final String[][] cases = {{"lots", "is not a number of bytes"}, {"", "is not a number of bytes"},
            {"M", "is not a number of bytes"}, {"1.5M", "is not a number of bytes"}, {"-1", "is not a number of bytes"},
            {"1T", "is not a number of bytes"}, {"0", "is zero bytes"}, {"0M", "is zero bytes"},
            {"9999999999G", "is too large"}, {"99999999999999999999", "is too large"}};
        for (final String[] testCase : cases) {
            final TypeConversionException refused = assertThrows(TypeConversionException.class,
                () -> converter.convert(testCase[0]), testCase[0]);
            assertEquals("'" + testCase[0] + "' " + testCase[1] + ": give a whole number of bytes, optionally with K, M "
                + "or G (KiB, MiB, GiB), for example 64M", refused.getMessage());
            assertTrue(refused.getMessage().contains("for example 64M"));
        }
    }
}
