package io.vmarena;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR: an arena's reservation grew, in place or by moving the whole arena. Created and begun
 * before the growth, committed after it, so its duration is the growth's.
 */
@Name("io.vmarena.Grow")
@Label("Arena grow")
@Category({"vmarena"})
@Description("An arena's reserved range grew, in place or by moving the whole arena to a larger range")
final class ArenaGrowEvent extends Event {
    @Label("Arena")
    String arena;
    @Label("From")
    @DataAmount
    long fromBytes;
    @Label("To")
    @DataAmount
    long toBytes;
    @Label("In place")
    boolean inPlace;

    void commit(final String arenaName, final long oldBytes, final long newBytes, final boolean grewInPlace) {
        if (shouldCommit()) {
            arena = arenaName;
            fromBytes = oldBytes;
            toBytes = newBytes;
            inPlace = grewInPlace;
            commit();
        }
    }
}
