package io.vmarena;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Tags go round robin per width, skip the ones open arenas hold, and are shared only when all are held. */
class ArenaTagsTest {
    private final ArenaTags tags = new ArenaTags();

    @Test
    void shouldHandEveryOtherTagOutBeforeAClosedArenasComesBack() {
        final List<Integer> handedOut = new ArrayList<>();
        for (int built = 0; built < 20; built++) {
            final int ticket = tags.take(3);
            handedOut.add(ArenaTags.tagOf(ticket));
            tags.give(ticket);
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3), handedOut);
    }

    @Test
    void shouldSkipTagsThatOpenArenasHold() {
        final int two = tags.take(2);
        final int held = tags.take(2); // tag 1 stays held
        tags.give(two);
        final List<Integer> handedOut = new ArrayList<>();
        for (int built = 0; built < 6; built++) {
            final int ticket = tags.take(2);
            handedOut.add(ArenaTags.tagOf(ticket));
            tags.give(ticket);
        }
        assertEquals(List.of(2, 3, 0, 2, 3, 0), handedOut);
        tags.give(held);
    }

    @Test
    void shouldShareTheNextTagInTurnOnlyWhenEveryTagIsHeld() {
        final List<Integer> open = new ArrayList<>();
        for (int built = 0; built < 4; built++) {
            open.add(ArenaTags.tagOf(tags.take(2)));
        }
        assertEquals(List.of(0, 1, 2, 3), open);
        assertEquals(0, ArenaTags.tagOf(tags.take(2)), "all four held: the next in turn");
        assertEquals(1, ArenaTags.tagOf(tags.take(2)));
    }

    @Test
    void shouldKeepWidthsApartAndRefuseAReleaseOfATagNotHeld() {
        final int narrow = tags.take(3);
        final int wide = tags.take(7);
        assertEquals(0, ArenaTags.tagOf(narrow));
        assertEquals(0, ArenaTags.tagOf(wide), "tag 0 of 7 bits is not tag 0 of 3 bits");
        tags.give(narrow);
        tags.give(wide);
        final IllegalStateException twice = assertThrows(IllegalStateException.class, () -> tags.give(wide));
        assertEquals("tag 0 of 7 bits released more often than it was taken", twice.getMessage());
    }
}
