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
            final int generation = 1 + random.nextInt(codec.maxGeneration());
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
        assertEquals(20, codec.generationBits(), "27 bits left: the generation takes 20");
        assertEquals(7, codec.tagBits(), "and the tag the other 7");
        assertEquals((1 << 20) - 1, codec.maxGeneration());
        assertEquals((2L << 56) | (3L << 36) | (5L << 17) | 7, codec.encode(2, 5, 7, 3));
        final long highest = codec.encode((1 << 7) - 1, (1 << 19) - 1, (1 << 17) - 1, codec.maxGeneration());
        assertEquals(Long.MAX_VALUE, highest, "every field full fills the 63 bits, never bit 63");
    }

    @Test
    void shouldGiveTheTagWhatTheGenerationLeavesAndTheGenerationWhatTheTagCannotTake() {
        final HandleCodec wide = new HandleCodec(1L << 9, (64L << 10) / 16); // 12 + 9 bits: 42 left
        assertEquals(15, wide.tagBits());
        assertEquals(27, wide.generationBits());
        final HandleCodec roomy = new HandleCodec(1, 32); // 5 bits: 58 left
        assertEquals(15, roomy.tagBits());
        assertEquals(HandleCodec.MAX_GENERATION_BITS, roomy.generationBits());
        assertTrue(roomy.hasStrayBits(1L << 62), "bits above the tag");
        final HandleCodec tight = new HandleCodec(1L << 26, (2L << 20) / 16); // 17 + 26 bits: 20 left
        assertEquals(0, tight.tagBits(), "a geometry that leaves only the generation's bits has no tag");
        assertEquals(20, tight.generationBits());
    }

    @Test
    void shouldSeeBitsAboveTheTagAsStray() {
        assertTrue(codec.hasStrayBits(-1L));
        assertTrue(codec.hasStrayBits(1L << 63));
        assertFalse(codec.hasStrayBits((1L << 63) - 1 >>> 1));
    }

    @Test
    void shouldAdvanceTheGenerationInACycleOfTwoToTheGMinusOneSkippingZero() {
        assertEquals(2, codec.advance(1, 1));
        assertEquals(1, codec.advance(codec.maxGeneration(), 1));
        assertEquals(5, codec.advance(1, 4));
        assertEquals(4, codec.advance(codec.maxGeneration() - 1, 5));
        assertEquals(7, codec.advance(7, codec.maxGeneration()), "a whole cycle comes back");
        final HandleCodec small = new HandleCodec(1L << 9, 4096, 3);
        int generation = 1;
        for (int step = 1; step <= 7; step++) {
            generation = small.advance(generation, 1);
            assertNotEquals(0, generation);
            assertEquals(step == 7, generation == 1, "back at 1 after exactly 7 steps, at step " + step);
        }
    }

    @Test
    void shouldGiveAFreedBlocksHandleADifferentGeneration() {
        final long live = codec.encode(1, 9, 100, 1);
        final long afterFree = codec.encode(1, 9, 100, codec.advance(codec.generation(live), 1));
        assertNotEquals(live, afterFree);
        assertEquals(codec.segmentIndex(live), codec.segmentIndex(afterFree));
    }

    @Test
    void shouldRefuseGeometriesThatDoNotFitSixtyThreeBits() {
        final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
            () -> new HandleCodec(1L << 27, (2L << 20) / 16)); // 17 + 27 bits: 19 left
        assertTrue(failure.getMessage().contains("leaves 19 bits"), failure.getMessage());
        assertTrue(failure.getMessage().contains("use larger segments or a smaller maximum size"), failure.getMessage());
        assertEquals(15, new HandleCodec(1, 1).tagBits(), "at most 15 tag bits");
    }
}
