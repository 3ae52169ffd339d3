package io.vmarena.examples;

import com.google.gson.JsonObject;
import io.vmarena.Arena;
import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;

/**
 * Step 3 of the demo: two blocks of every three are freed, which leaves holes in nearly every
 * small-block segment, then {@code trim(Long.MAX_VALUE)} gives back every page it can.
 */
final class FragmentStep {
    private final Demo demo;

    FragmentStep(final Demo demo) {
        this.demo = demo;
    }

    void run() {
        final Arena arena = demo.arena();
        final BlockLedger ledger = demo.ledger();
        demo.begin("3. Fragment");
        final long freeing = System.nanoTime();
        long freedBytes = 0;
        int freedCount = 0;
        // Every third block stays, block 0 among them.
        for (int block = 0; block < ledger.blockCount(); block++) {
            if (block % 3 != 0) {
                freedBytes += ledger.lengthBytes(block);
                freedCount++;
                ledger.free(arena, block);
            }
        }
        final long freeNanos = System.nanoTime() - freeing;
        for (int block = 0; block < ledger.blockCount(); block++) {
            if (!ledger.isLive(block)) {
                demo.history().freed(block); // every block freed so far was freed just now
            }
        }
        final ArenaStats fragmented = arena.stats();
        final ArenaResidency fragmentedMemory = arena.residency();
        final long trimming = System.nanoTime();
        final long givenBytes = arena.trim(Long.MAX_VALUE);
        final long trimNanos = System.nanoTime() - trimming;
        demo.history().trimmed(Long.MAX_VALUE);
        final ArenaStats trimmed = arena.stats();
        final ArenaResidency trimmedMemory = arena.residency();
        final JsonObject json = demo.figures().step("fragment");
        json.addProperty("freedBlockCount", freedCount);
        json.addProperty("freedBytes", freedBytes);
        json.addProperty("freeNanos", freeNanos);
        json.add("statsBeforeTrim", DemoFigures.stats(fragmented, fragmentedMemory));
        json.addProperty("trimGivenBytes", givenBytes);
        json.addProperty("trimNanos", trimNanos);
        json.add("stats", DemoFigures.stats(trimmed, trimmedMemory));

        demo.heading("3. Fragment: freed 2 of every 3 blocks (" + DemoText.count(freedCount) + " blocks, "
            + Bytes.format(freedBytes) + ") in " + demo.time(freeNanos));
        demo.stats(fragmented, fragmentedMemory);
        demo.line("trim(Long.MAX_VALUE) gave " + Bytes.format(givenBytes) + " back to the system in "
            + demo.time(trimNanos) + ": RSS " + Bytes.format(fragmentedMemory.residentBytes()) + " -> "
            + Bytes.format(trimmedMemory.residentBytes()));
        demo.stats(trimmed, trimmedMemory);
        demo.line("trim gave back " + Bytes.format(givenBytes) + ", RSS fell by "
            + Bytes.format(Math.max(0, fragmentedMemory.residentBytes() - trimmedMemory.residentBytes())) + ": trim counts every page it released, RSS "
            + "only those that were in memory (a page never touched was not)");
        demo.blank();
    }
}
