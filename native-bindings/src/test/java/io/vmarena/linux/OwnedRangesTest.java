package io.vmarena.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OwnedRangesTest {
    private final OwnedRanges owned = new OwnedRanges();

    @Test
    void shouldCoverRangesInsideOrAcrossAdjacentClaims() {
        owned.claim(100, 200);
        owned.claim(200, 300);

        assertTrue(owned.covers(120, 180));
        assertTrue(owned.covers(150, 250));
        assertFalse(owned.covers(50, 150));
        assertFalse(owned.covers(250, 350));
    }

    @Test
    void shouldNotCoverAGapBetweenClaims() {
        owned.claim(100, 200);
        owned.claim(300, 400);

        assertFalse(owned.covers(150, 350));
    }

    @Test
    void shouldMergeOverlappingClaimsButKeepAdjacentOnesApart() {
        owned.claim(100, 200);
        owned.claim(150, 250);
        owned.claim(250, 300);

        assertEquals(2, owned.size());
        assertTrue(owned.covers(100, 300));
    }

    @Test
    void shouldGiveUpOnlyClaimsWhollyInsideTheRange() {
        owned.claim(100, 200);
        owned.claim(200, 300);

        owned.releaseWithin(100, 250);

        assertFalse(owned.covers(100, 200));
        assertTrue(owned.covers(200, 300));
        owned.releaseWithin(220, 230);
        assertTrue(owned.covers(200, 300));
    }
}
