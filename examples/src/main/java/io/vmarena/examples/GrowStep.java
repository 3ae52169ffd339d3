package io.vmarena.examples;

import com.google.gson.JsonObject;
import io.vmarena.Arena;
import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.Protection;

import java.util.List;

/**
 * Step 4 of the demo: the arena grows where it cannot grow in place, so it moves. A read-only
 * page is mapped right after its range (as another library's mapping might be), then a block one
 * segment larger than all its free segments together is allocated. The growth is timed, and
 * compared with copying the live blocks into a fresh mapping, which is what growing costs an
 * allocator that cannot move memory.
 */
final class GrowStep {
    private final Demo demo;
    private final Arena arena;
    private final AddressSpace space;

    GrowStep(final Demo demo) {
        this.demo = demo;
        this.arena = demo.arena();
        this.space = demo.space();
    }

    /** Runs the step; returns what copying cost, in nanoseconds per byte. */
    double run() {
        demo.begin("4. Grow by moving");
        final ArenaStats before = arena.stats();
        final ArenaResidency beforeMemory = arena.residency();
        final long oldBase = demo.base();
        final JsonObject json = demo.figures().step("grow");
        demo.heading("4. Grow by moving");
        final List<Mapping> vmasBefore = demo.vmas(before);
        json.add("vmasBefore", DemoFigures.vmas(vmasBefore));
        json.add("statsBefore", DemoFigures.stats(before, beforeMemory));
        demo.vmaMap("before", vmasBefore);
        final long lengthBytes = (before.freeSegments() + 1L) * demo.scale().segmentBytes();
        final long handle;
        final long growNanos;
        try (EndBlocker blocker = new EndBlocker(space, oldBase + before.reservedBytes())) {
            demo.line(blocker.description());
            final long growing = System.nanoTime();
            handle = arena.allocate(lengthBytes);
            growNanos = System.nanoTime() - growing;
        }
        final ArenaStats after = arena.stats();
        final ArenaResidency afterMemory = arena.residency();
        final long newBase = demo.base();
        demo.noteRange(after);
        json.addProperty("requestedBytes", lengthBytes);
        json.addProperty("growNanos", growNanos);
        json.addProperty("movedArena", newBase != oldBase);
        json.addProperty("baseAddressBefore", oldBase);
        json.addProperty("baseAddressAfter", newBase);
        demo.line("allocate(" + Bytes.format(lengthBytes) + "), one segment more than its " + before.freeSegments()
            + " free segments hold: it grew from " + Bytes.format(before.reservedBytes()) + " to "
            + Bytes.format(after.reservedBytes()) + (newBase != oldBase ? " by moving" : " in place") + ", in "
            + demo.time(growNanos));
        demo.line("base " + DemoText.hex(oldBase) + " -> " + DemoText.hex(newBase) + "; VMAs " + before.vmaCount()
            + " -> " + after.vmaCount() + "; grows " + before.grows() + " -> " + after.grows() + ", moves "
            + before.moves() + " -> " + after.moves());
        final List<Mapping> vmasAfter = demo.vmas(after);
        json.add("vmasAfter", DemoFigures.vmas(vmasAfter));
        json.add("stats", DemoFigures.stats(after, afterMemory));
        demo.vmaMap("after", vmasAfter);
        demo.stats(after, afterMemory);
        final double copyNanosPerByte = compareWithCopy(before.usedBytes(), growNanos, json);
        writeNewBlock(handle, lengthBytes, json);
        demo.blank();
        return copyNanosPerByte;
    }

    /**
     * Copies the live blocks (their whole capacity, {@code liveBytes} in all) into a fresh
     * mapping and times it: the page faults of the new mapping are part of the cost, as they
     * are for any allocator that grows by copying.
     */
    private double compareWithCopy(final long liveBytes, final long growNanos, final JsonObject json) {
        final long pageSize = space.pageSize();
        final long mappingBytes = (liveBytes + pageSize - 1) / pageSize * pageSize;
        final long toAddress = space.map(0, mappingBytes, Protection.READ_WRITE, MapFlags.NONE);
        final long copiedBytes;
        final long copyNanos;
        try {
            final long copying = System.nanoTime();
            copiedBytes = demo.ledger().copyLiveInto(arena, toAddress, liveBytes);
            copyNanos = System.nanoTime() - copying;
        } finally {
            space.unmap(toAddress, mappingBytes);
        }
        json.addProperty("copiedBytes", copiedBytes);
        json.addProperty("copyNanos", copyNanos);
        demo.line("copying the same " + Bytes.format(copiedBytes) + " of live blocks into a fresh mapping took "
            + demo.time(copyNanos) + ": " + DemoText.faster("the move", growNanos, "the copy", copyNanos)
            + (demo.simulated() ? " (the simulator's move copies too, the whole committed range)" : ""));
        return (double)copyNanos / Math.max(1, copiedBytes);
    }

    /** The new block is data like any other: written in full, and checked at the end. */
    private void writeNewBlock(final long handle, final long lengthBytes, final JsonObject json) {
        final BlockLedger ledger = demo.ledger();
        final long writing = System.nanoTime();
        final int block = ledger.add(handle, lengthBytes, true);
        ledger.write(arena, block, bytes -> demo.progress().advance(bytes, lengthBytes));
        final long writeNanos = System.nanoTime() - writing;
        json.addProperty("newBlockBytes", lengthBytes);
        json.addProperty("newBlockWriteNanos", writeNanos);
        demo.line("the new block written in full (" + Bytes.format(lengthBytes) + ") in " + demo.time(writeNanos));
        demo.history().allocatedPastBlocker(block, lengthBytes, true);
    }
}
