package io.vmarena;

import io.vmarena.vm.MoveResult;
import jdk.jfr.FlightRecorder;

/**
 * Starts and commits the arena's JFR events only while Flight Recorder runs. Loading a
 * {@code jdk.jfr.Event} subclass brings in JFR's machinery (about 0.35 s, measured on the first
 * growth of a JVM), so the event classes are named only behind the check, and this class hands
 * events out as {@code Object}. A recording started later is seen at the next growth or move.
 */
final class ArenaEvents {
    private ArenaEvents() {
    }

    /** A begun grow event, or null when JFR is not running. */
    static Object beginGrow() {
        if (!FlightRecorder.isInitialized()) {
            return null;
        }
        final ArenaGrowEvent event = new ArenaGrowEvent();
        event.begin();
        return event;
    }

    static void commitGrow(final Object event, final String arena, final long fromBytes, final long toBytes,
        final boolean inPlace) {
        if (event != null) {
            ((ArenaGrowEvent)event).commit(arena, fromBytes, toBytes, inPlace);
        }
    }

    /** A begun move event, or null when JFR is not running. */
    static Object beginMove() {
        if (!FlightRecorder.isInitialized()) {
            return null;
        }
        final ArenaMoveEvent event = new ArenaMoveEvent();
        event.begin();
        return event;
    }

    static void commitMove(final Object event, final String arena, final String reason, final long lengthBytes,
        final MoveResult result) {
        if (event != null) {
            ((ArenaMoveEvent)event).commit(arena, reason, lengthBytes, result);
        }
    }

    /** A begun compaction-slice event, or null when JFR is not running. */
    static Object beginCompact() {
        if (!FlightRecorder.isInitialized()) {
            return null;
        }
        final ArenaCompactEvent event = new ArenaCompactEvent();
        event.begin();
        return event;
    }

    static void commitCompact(final Object event, final String arena, final long movedBytes, final long copiedBytes,
        final int runs, final long systemCalls, final long vmasMoved, final boolean complete) {
        if (event != null) {
            ((ArenaCompactEvent)event).commit(arena, movedBytes, copiedBytes, runs, systemCalls, vmasMoved, complete);
        }
    }

    /** Records a pinning policy's decision for one arena, when JFR is running. */
    static void pin(final PinDecision decision) {
        if (FlightRecorder.isInitialized()) {
            new ArenaPinEvent().commit(decision);
        }
    }

    /** Records that a move waited long for read sections, when JFR is running. */
    static void moveWait(final String arena, final long waitedNanos, final String threads) {
        if (FlightRecorder.isInitialized()) {
            new ArenaMoveWaitEvent().commit(arena, waitedNanos, threads);
        }
    }
}
