package io.vmarena;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
            final int segment = random.nextInt(1 << 19);
            final int slot = random.nextInt(1 << 17);
            final int generation = 1 + random.nextInt((1 << codec.generationBits()) - 1);
            final long handle = codec.encode(segment, slot, generation);
            assertNotEquals(0, handle);
            assertEquals(segment, codec.segmentIndex(handle));
            assertEquals(slot, codec.slot(handle));
            assertEquals(generation, codec.generation(handle));
        }
    }

    @Test
    void shouldPackTheFieldsAsTheClassCommentDraws() {
        assertEquals(28, codec.generationBits());
        assertEquals((3L << 36) | (5L << 17) | 7, codec.encode(5, 7, 3));
    }

    @Test
    void shouldWrapTheGenerationSkippingZero() {
        final int last = (1 << codec.generationBits()) - 1;
        assertEquals(2, codec.nextGeneration(1));
        assertEquals(1, codec.nextGeneration(last));
    }

    @Test
    void shouldGiveAFreedBlocksHandleADifferentGeneration() {
        final long live = codec.encode(9, 100, 1);
        final long afterFree = codec.encode(9, 100, codec.nextGeneration(codec.generation(live)));
        assertNotEquals(live, afterFree);
        assertEquals(codec.segmentIndex(live), codec.segmentIndex(afterFree));
    }

    @Test
    void shouldRefuseGeometriesThatLeaveTooFewGenerationBits() {
        final IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
            () -> new HandleCodec(1L << 30, 1L << 20));
        assertTrue(failure.getMessage().contains("use larger segments or a smaller maximum size"), failure.getMessage());
        assertEquals(31, new HandleCodec(1, 1).generationBits(), "at most 31 bits, so a generation fits an int");
    }
}
