package io.vmarena.examples;

import com.google.gson.JsonObject;
import io.vmarena.Arena;
import io.vmarena.ArenaStats;

import java.util.Arrays;

/**
 * Step 5 of the demo: a large block is reallocated to twice its size where the segments after
 * it are taken, so it cannot grow in place and moves: its pages are carried to a free stretch
 * by {@code mremap}, not copied. The block is chosen from the demo's own record: the live large
 * block with another live block closest after it.
 */
final class ReallocateStep {
    private final Demo demo;
    private final Arena arena;
    private final BlockLedger ledger;

    ReallocateStep(final Demo demo) {
        this.demo = demo;
        this.arena = demo.arena();
        this.ledger = demo.ledger();
    }

    /** @param copyNanosPerByte what copying cost in step 4, to say what copying this block would */
    void run(final double copyNanosPerByte) {
        demo.begin("5. Reallocate a large block");
        demo.heading("5. Reallocate a large block");
        final JsonObject json = demo.figures().step("reallocate");
        final long[] addresses = liveAddresses();
        final int block = closestFollowed(addresses);
        json.addProperty("done", block >= 0);
        if (block < 0) {
            demo.line("no live large block has a live block after it: nothing to show");
            demo.blank();
            return;
        }
        final long address = arena.address(ledger.handle(block));
        final long capacity = arena.capacity(ledger.handle(block));
        final long next = following(addresses, address + capacity);
        final long lengthBytes = Math.max(2 * capacity, next - address + demo.scale().segmentBytes());
        demo.line("block " + block + " holds " + Bytes.format(ledger.lengthBytes(block)) + " in a run of "
            + Bytes.format(capacity) + " at " + DemoText.hex(address) + "; a live block starts "
            + (next == address + capacity ? "right after it" : Bytes.format(next - address - capacity) + " after it")
            + ", at " + DemoText.hex(next));
        final ArenaStats before = arena.stats();
        final long reallocating = System.nanoTime();
        final long handle = arena.reallocate(ledger.handle(block), lengthBytes);
        final long reallocateNanos = System.nanoTime() - reallocating;
        ledger.moved(block, handle);
        demo.history().reallocated(block, lengthBytes);
        final long newAddress = arena.address(handle);
        final ArenaStats after = arena.stats();
        final long copyEstimateNanos = Math.round(capacity * copyNanosPerByte);
        json.addProperty("block", block);
        json.addProperty("lengthBytes", ledger.lengthBytes(block));
        json.addProperty("capacityBytes", capacity);
        json.addProperty("addressBefore", address);
        json.addProperty("nextBlockAddress", next);
        json.addProperty("newLengthBytes", lengthBytes);
        json.addProperty("addressAfter", newAddress);
        json.addProperty("moved", newAddress != address);
        json.addProperty("reallocateNanos", reallocateNanos);
        json.addProperty("moveCountBefore", before.moves());
        json.addProperty("moveCountAfter", after.moves());
        json.addProperty("copyEstimateNanos", copyEstimateNanos);
        demo.line("reallocate to " + Bytes.format(lengthBytes) + ": " + (newAddress != address
            ? "moved to " + DemoText.hex(newAddress) : "grew in place") + " in " + demo.time(reallocateNanos)
            + (demo.simulated() ? " (the simulator copies; Linux moves the page tables)" : ", without copying")
            + "; moves " + before.moves() + " -> " + after.moves());
        demo.line("copying its " + Bytes.format(capacity) + " at the rate measured in step 4 would take about "
            + demo.time(copyEstimateNanos));
        demo.blank();
    }

    private long[] liveAddresses() {
        final long[] addresses = new long[ledger.liveCount()];
        int index = 0;
        for (int block = 0; block < ledger.blockCount(); block++) {
            if (ledger.isLive(block)) {
                addresses[index++] = arena.address(ledger.handle(block));
            }
        }
        Arrays.sort(addresses);
        return addresses;
    }

    /** The live large block with the smallest gap to the next live block; the larger on a tie; -1 if none. */
    private int closestFollowed(final long[] addresses) {
        int best = -1;
        long bestGap = Long.MAX_VALUE;
        long bestCapacity = 0;
        for (int block = 0; block < ledger.blockCount(); block++) {
            if (!ledger.isLive(block) || !ledger.isLarge(block)) {
                continue;
            }
            final long end = arena.address(ledger.handle(block)) + arena.capacity(ledger.handle(block));
            final long next = following(addresses, end);
            final long capacity = arena.capacity(ledger.handle(block));
            if (next >= 0 && (next - end < bestGap || next - end == bestGap && capacity > bestCapacity)) {
                best = block;
                bestGap = next - end;
                bestCapacity = capacity;
            }
        }
        return best;
    }

    /** The first address in {@code sorted} at or after {@code fromAddress}, or -1. */
    private static long following(final long[] sorted, final long fromAddress) {
        final int found = Arrays.binarySearch(sorted, fromAddress);
        final int index = found >= 0 ? found : -found - 1;
        return index < sorted.length ? sorted[index] : -1;
    }
}
