package io.vmarena;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeClassesTest {
    @Test
    void shouldStepBySixteenBytesThenEightClassesPerDoubling() {
        final long[] expected = {16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320,
            352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 832, 896, 960, 1024, 1152};
        for (int sizeClass = 0; sizeClass < expected.length; sizeClass++) {
            assertEquals(expected[sizeClass], SizeClasses.bytesOf(sizeClass), "class " + sizeClass);
        }
    }

    @Test
    void shouldGiveEverySizeTheSmallestClassThatHoldsIt() {
        final SizeClasses classes = new SizeClasses(2L << 20);
        for (long length = 1; length <= classes.maxBytes(); length++) {
            final int sizeClass = SizeClasses.classOf(length);
            assertTrue(SizeClasses.bytesOf(sizeClass) >= length, "class of " + length + " too small");
            assertTrue(sizeClass == 0 || SizeClasses.bytesOf(sizeClass - 1) < length, "class of " + length
                + " not the smallest");
        }
    }

    @Test
    void shouldKeepEveryClassSixteenByteAlignedAndWasteAtMostAnEighth() {
        final SizeClasses classes = new SizeClasses(2L << 20);
        for (int sizeClass = 0; sizeClass < classes.classCount(); sizeClass++) {
            final long bytes = SizeClasses.bytesOf(sizeClass);
            assertEquals(0, bytes % 16, "class " + sizeClass);
            if (sizeClass > 0) {
                final long previous = SizeClasses.bytesOf(sizeClass - 1);
                assertTrue(bytes - previous <= Math.max(16, previous / 8), "step after " + previous);
            }
        }
    }

    @Test
    void shouldEndAtAQuarterSegmentForEverySegmentSize() {
        for (long segment = 512; segment <= 1L << 30; segment <<= 1) {
            final SizeClasses classes = new SizeClasses(segment);
            assertEquals(segment / 4, SizeClasses.bytesOf(classes.classCount() - 1), "segment " + segment);
        }
        // 16 classes up to 256 B, then 8 for each of the 11 doublings up to 512 KiB.
        assertEquals(104, new SizeClasses(2L << 20).classCount());
    }

    @Test
    void shouldRefuseSegmentSizesItCannotCut() {
        assertThrows(IllegalArgumentException.class, () -> new SizeClasses(3L << 20));
        assertThrows(IllegalArgumentException.class, () -> new SizeClasses(256));
    }
}
