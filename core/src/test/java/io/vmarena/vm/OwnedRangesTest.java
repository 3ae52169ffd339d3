package io.vmarena.vm;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OwnedRangesTest {
    private final OwnedRanges owned = new OwnedRanges();

    @Test
    void shouldKnowMappedPagesExactlyAndHolesOfALeaseAsLeased() {
        owned.placed(100, 200);
        owned.unmapped(130, 150);

        assertEquals(OwnedRanges.Coverage.MAPPED, owned.coverage(100, 130));
        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(120, 160));
        assertEquals(OwnedRanges.Coverage.FOREIGN, owned.coverage(190, 210));
        assertEquals(OwnedRanges.Coverage.FOREIGN, owned.coverage(50, 110));
    }

    @Test
    void shouldTreatAVmaInAHoleAsForeignUntilItIsMappedThroughTheAddressSpace() {
        owned.placed(100, 200);
        owned.unmapped(130, 150);
        final List<Mapping> foreign = List.of(Mapping.of(130, 140, Protection.READ_WRITE));

        assertFalse(owned.onlyOurs(foreign, 120, 160));
        owned.mappedFixed(130, 140);
        assertTrue(owned.onlyOurs(foreign, 120, 160));
    }

    @Test
    void shouldEndALeaseWithItsLastMappedPage() {
        owned.placed(100, 200);
        owned.unmapped(100, 150);
        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(100, 200));

        owned.unmapped(150, 200);

        assertEquals(OwnedRanges.Coverage.FOREIGN, owned.coverage(100, 200));
        assertTrue(owned.isEmpty());
    }

    @Test
    void shouldFollowPagesThroughAMoveAndEndTheLeaseTheyLeft() {
        owned.placed(100, 200);
        owned.placed(1000, 1300);
        owned.unmapped(1000, 1300);
        owned.placed(1000, 1300);

        owned.remapped(100, 100, 100, RemapFlags.MAYMOVE | RemapFlags.FIXED, 1100);

        assertEquals(OwnedRanges.Coverage.FOREIGN, owned.coverage(100, 200));
        assertEquals(OwnedRanges.Coverage.MAPPED, owned.coverage(1000, 1300));
    }

    @Test
    void shouldKeepTheDestinationUnderSourceHolesAsItWas() {
        owned.placed(100, 600);
        owned.unmapped(150, 200);

        owned.remapped(100, 200, 200, RemapFlags.MAYMOVE | RemapFlags.FIXED, 300);

        // [350, 400) lay under the source hole [150, 200): it stays mapped, and ours.
        assertEquals(OwnedRanges.Coverage.MAPPED, owned.coverage(300, 600));
        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(100, 300));
    }

    @Test
    void shouldLeaseWhatTheKernelPlacedAndGiveBackAShrunkTail() {
        owned.placed(100, 200);

        owned.remapped(100, 100, 300, RemapFlags.MAYMOVE, 5000);
        assertEquals(OwnedRanges.Coverage.MAPPED, owned.coverage(5000, 5300));
        assertEquals(OwnedRanges.Coverage.FOREIGN, owned.coverage(100, 101));

        owned.remapped(5000, 300, 100, 0, 5000);
        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(5100, 5300));
        assertFalse(owned.onlyOurs(List.of(Mapping.of(5100, 5200, Protection.READ)), 5000, 5300));
    }

    @Test
    void shouldFollowOnlyItsOwnPagesAfterAMoveThatFailedPartWay() {
        owned.placed(100, 500);
        owned.unmapped(300, 500);

        // [100, 200) moved to [300, 400); [200, 300) was still there when the move failed.
        owned.moveFailed(100, 200, 300, List.of(Mapping.of(200, 300, Protection.READ)));

        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(100, 200));
        assertEquals(OwnedRanges.Coverage.MAPPED, owned.coverage(200, 400));
        assertFalse(owned.onlyOurs(List.of(Mapping.of(400, 450, Protection.READ)), 400, 500),
            "a VMA nobody moved there is not trusted");
    }

    @Test
    void shouldKeepMemoryGrownInPlaceBeyondItsLease() {
        owned.placed(100, 200);
        owned.remapped(100, 100, 400, 0, 100);
        owned.unmapped(300, 350);

        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(100, 500));
    }

    @Test
    void shouldCoverAChainOfTouchingLeasesButEndEachOnItsOwn() {
        owned.placed(100, 200);
        owned.placed(200, 300);
        owned.unmapped(150, 250);
        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(100, 300));

        owned.unmapped(100, 150);
        assertEquals(OwnedRanges.Coverage.FOREIGN, owned.coverage(100, 200), "the first lease ended");
        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(200, 300));
    }

    @Test
    void shouldMergeANewLeaseWithAnOldOneWhoseHoleItFills() {
        owned.placed(100, 300);
        owned.unmapped(100, 150);
        owned.placed(100, 150);

        owned.unmapped(200, 250);
        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(100, 300));
    }

    /** Issue 9: the arena's first reservation ended when a run that filled it moved out. */
    @Test
    void shouldKeepAHeldRangeLeasedWhenItsLastPageMovesOut() {
        final Lease lease = new Lease("arena 'a'");
        owned.placed(100, 200);
        owned.placed(200, 400);
        owned.hold(lease, 100, 200);
        owned.hold(lease, 200, 400);

        owned.remapped(100, 100, 100, RemapFlags.MAYMOVE | RemapFlags.FIXED, 250);

        assertEquals(OwnedRanges.Coverage.LEASED, owned.coverage(100, 400));
        assertTrue(owned.holds(lease, 100, 400), "touching holds of one lease merge");
        owned.unhold(lease, 100, 200);
        assertEquals(OwnedRanges.Coverage.FOREIGN, owned.coverage(100, 200), "let go with nothing mapped: it ends");
        assertEquals(OwnedRanges.Coverage.MAPPED, owned.coverage(200, 400));
    }

    @Test
    void shouldNameTheHolderOfAnyPageButTheActingLeasesOwn() {
        final Lease first = new Lease("arena 'first'");
        final Lease second = new Lease("arena 'second'");
        owned.placed(100, 500);
        owned.hold(first, 100, 200);
        owned.hold(second, 300, 400);

        assertEquals(null, owned.heldByOther(100, 200, first));
        assertEquals(first, owned.heldByOther(150, 160, null));
        assertEquals(second, owned.heldByOther(150, 350, first));
        assertEquals(first, owned.heldByOther(199, 301, second));
        assertEquals(null, owned.heldByOther(200, 300, null), "the gap between holds is no one's");
        assertEquals(List.of(first, second), owned.holders());

        owned.unhold(first, 120, 180);
        assertEquals(null, owned.heldByOther(120, 180, null));
        assertEquals(first, owned.heldByOther(100, 121, null));
        assertEquals(first, owned.heldByOther(179, 200, null));
        owned.unhold(second, 100, 500);
        owned.unhold(first, 100, 200);
        assertEquals(List.of(), owned.holders());
        owned.unmapped(100, 500);
        assertTrue(owned.isEmpty());
    }
}
