package io.vmarena;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandleCodecTest {
    /** 2 MiB segments of 16-byte slots, 1 TiB at most. */
    private final HandleCodec codec = new HandleCodec(1L << 19, (2L << 20) / 16);

    @Test
    void shouldDecodeWhatItEncodedAndNeverProduceTheNullHandle() {
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            final int tag = random.nextInt(1 << codec.tagBits());
            final int segment = random.nextInt(1 << 19);
            final int slot = random.nextInt(1 << 17);
            final int generation = 1 + random.nextInt(HandleCodec.GENERATION_MASK);
            final long handle = codec.encode(tag, segment, slot, generation);
            assertNotEquals(0, handle);
            assertTrue(handle > 0, "bit 63 stays clear");
            assertFalse(codec.hasStrayBits(handle));
            assertEquals(tag, codec.tag(handle));
            assertEquals(segment, codec.segmentIndex(handle));
            assertEquals(slot, codec.slot(handle));
            assertEquals(generation, codec.generation(handle));
        }
    }

    @Test
    void shouldPackTheFieldsAsTheClassCommentDraws() {
        assertEquals(11, codec.tagBits());
        assertEquals((2L << 52) | (3L << 36) | (5L << 17) | 7, codec.encode(2, 5, 7, 3));
    }

    @Test
    void shouldSeeBitsAboveTheTagAsStray() {
        assertTrue(codec.hasStrayBits(-1L));
        assertTrue(codec.hasStrayBits(1L << 63));
        assertFalse(codec.hasStrayBits((1L << 63) - 1 >>> 1));
    }

    @Test
    void shouldWrapTheGenerationSkippingZero() {
        assertEquals(2, HandleCodec.nextGeneration(1));
        assertEquals(1, HandleCodec.nextGeneration(HandleCodec.GENERATION_MASK));
    }

    @Test
    void shouldGiveAFreedBlocksHandleADifferentGeneration() {
        final long live = codec.encode(1, 9, 100, 1);
        final long afterFree = codec.encode(1, 9, 100, HandleCodec.nextGeneration(codec.generation(live)));
        assertNotEquals(live, afterFree);
        assertEquals(codec.segmentIndex(live), codec.segmentIndex(afterFree));
    }

    @Test
    void shouldRefuseGeometriesThatDoNotFitSixtyThreeBits() {
        final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
            () -> new HandleCodec(1L << 30, 1L << 20));
        assertTrue(failure.getMessage().contains("use larger segments or a smaller maximum size"), failure.getMessage());
        assertEquals(15, new HandleCodec(1, 1).tagBits(), "at most 15 tag bits");
        assertEquals(0, new HandleCodec(1L << 27, 1L << 20).tagBits(), "a geometry that fills 63 bits has no tag");
    }
}
