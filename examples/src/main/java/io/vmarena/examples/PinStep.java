package io.vmarena.examples;

import com.google.gson.JsonObject;
import io.vmarena.Arena;
import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;
import io.vmarena.PinState;
import io.vmarena.PinStatus;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Capabilities;

/**
 * Step 5a of the demo (after the moves, before the compaction): the arena, the demo's hot part,
 * is pinned with {@link Arena#pin()}: {@code mlock2(MLOCK_ONFAULT)} over the segments it holds,
 * so nothing is faulted in and its pages lock as they are touched. It prints the process's
 * locked memory ({@code VmLck} of /proc/self/status, or the simulator's), the arena's
 * {@code stats().pinnedBytes} and its RSS before and after the pin; when the kernel says no
 * (EPERM, the memlock limit), the status's reason in one line. After the compaction
 * ({@link #afterCompaction}) and the close ({@link #afterClose}) it shows the locked bytes again:
 * they follow the bytes the arena holds, and go with its mappings.
 */
final class PinStep {
    private final Demo demo;
    private final Arena arena;
    private final AddressSpace space;
    /** VmLck before the pin: what the process had locked besides the arena. */
    private long lockedBytesBefore;
    private long pinnedBytes;

    PinStep(final Demo demo) {
        this.demo = demo;
        this.arena = demo.arena();
        this.space = demo.space();
    }

    void run() {
        demo.begin("5a. Pin the hot part");
        final ArenaStats before = arena.stats();
        final ArenaResidency beforeMemory = arena.residency();
        lockedBytesBefore = space.lockedBytes();
        final long pinning = System.nanoTime();
        final PinStatus status = arena.pin();
        final long pinNanos = System.nanoTime() - pinning;
        demo.history().pinned();
        final ArenaStats after = arena.stats();
        final ArenaResidency afterMemory = arena.residency();
        pinnedBytes = after.pin().pinnedBytes();
        final long lockedBytesAfter = space.lockedBytes();
        final JsonObject json = demo.figures().step("pin");
        json.addProperty("state", status.state().name());
        json.addProperty("pinNanos", pinNanos);
        json.addProperty("pinnedBytes", status.pinnedBytes());
        json.addProperty("heldBytes", heldBytes(after));
        if (status.state() != PinState.PINNED) {
            json.addProperty("reason", status.reason());
        }
        json.add("before", figures(before, beforeMemory, lockedBytesBefore, new JsonObject()));
        json.add("after", figures(after, afterMemory, lockedBytesAfter, new JsonObject()));
        demo.heading("5a. Pin the hot part: pin() locks what the arena holds with mlock2(MLOCK_ONFAULT)");
        demo.line("before: " + figures(before, beforeMemory, lockedBytesBefore));
        demo.line("pin() took " + DemoText.nanos(pinNanos) + ": " + status.state() + ", "
            + Bytes.format(status.pinnedBytes()) + " pinned of the " + Bytes.format(heldBytes(after))
            + " the arena holds (segments in use and retained)" + (demo.simulated() ? " (the simulator's time)" : ""));
        if (status.state() != PinState.PINNED) {
            demo.line("not wholly pinned, and the arena works on: " + status.reason());
        }
        demo.line("after: " + figures(after, afterMemory, lockedBytesAfter));
        demo.line("RSS " + (afterMemory.residentBytes() == beforeMemory.residentBytes() ? "unchanged" : "changed")
            + ": MLOCK_ONFAULT faults nothing in; it locks the " + Bytes.format(beforeMemory.residentBytes())
            + " already resident now (most of pin()'s time: the kernel visits each resident page) and every other "
            + "page when it is first touched, and VmLck counts the whole locked range at once");
        demo.blank();
    }

    /** After the compaction: the locked bytes now, against the pin's. */
    void afterCompaction(final ArenaStats after) {
        final PinState state = after.pin().state();
        final long lockedBytes = space.lockedBytes();
        final ArenaResidency afterMemory = arena.residency();
        final JsonObject json = figures(after, afterMemory, lockedBytes, new JsonObject());
        json.addProperty("heldBytes", heldBytes(after));
        demo.figures().step("pin").add("afterCompaction", json);
        demo.line("pinned after compaction: " + figures(after, afterMemory, lockedBytes) + "; " + Bytes.format(pinnedBytes)
            + " were pinned before it: " + (state == PinState.PINNED ? "the locked bytes follow the "
                + Bytes.format(heldBytes(after)) + " the arena holds" : state + ", " + Bytes.format(after.pin().pinnedBytes())
                + " of the " + Bytes.format(heldBytes(after)) + " the arena holds are locked"));
    }

    /**
     * Before an identical arena is built in this process (the compaction step's): where the
     * memlock limit applies, both arenas' pins draw on one RLIMIT_MEMLOCK, so the demo's arena
     * is unpinned first and the replayed pin gets the budget this one got; the two stay identical.
     */
    void beforeTwinInThisProcess() {
        final Capabilities caps = space.capabilities();
        if (caps.ipcLock().available() || caps.memlockSoftBytes() == Capabilities.UNLIMITED
            || arena.stats().pin().pinnedBytes() == 0) {
            return;
        }
        arena.unpin();
        demo.line("unpinned now: the identical arena beside it replays the pin, and both draw on this process's "
            + "RLIMIT_MEMLOCK of " + Bytes.format(caps.memlockSoftBytes()) + " without CAP_IPC_LOCK; VmLck "
            + Bytes.format(space.lockedBytes()));
    }

    /** After the close: the process's locked memory is back to what it was before the pin. */
    void afterClose() {
        final long lockedBytes = space.lockedBytes();
        demo.figures().step("pin").addProperty("vmLckBytesAfterClose", lockedBytes);
        demo.line(vmLck() + " " + Bytes.format(lockedBytes) + " after close (" + Bytes.format(lockedBytesBefore)
            + " before the pin): the arena's locked bytes went with its mappings");
    }

    /**
     * {@code VmLck 12 MiB (+12 MiB), stats().pinnedBytes 12 MiB, resident (RSS) 9 MiB, of it locked (smaps Locked)
     * 9 MiB}: VmLck counts a range locked with MLOCK_ONFAULT whole, smaps' Locked only its pages in memory
     * (resident and locked as measured: {@link io.vmarena.Arena#residency()}).
     */
    private String figures(final ArenaStats stats, final ArenaResidency residency, final long lockedBytes) {
        final long grown = lockedBytes - lockedBytesBefore;
        return vmLck() + " " + Bytes.format(lockedBytes) + (grown == 0 ? "" : " (" + (grown > 0 ? "+" : "-")
            + Bytes.format(Math.abs(grown)) + ")") + ", stats().pinnedBytes " + Bytes.format(stats.pin().pinnedBytes())
            + ", resident (RSS) " + Bytes.format(residency.residentBytes()) + ", of it locked (smaps Locked) "
            + Bytes.format(residency.lockedBytes());
    }

    /** The figures {@link #figures(ArenaStats, ArenaResidency, long)} prints, into {@code json}. */
    private JsonObject figures(final ArenaStats stats, final ArenaResidency residency, final long lockedBytes,
        final JsonObject json) {
        json.addProperty("vmLckBytes", lockedBytes);
        json.addProperty("pinnedBytes", stats.pin().pinnedBytes());
        json.addProperty("residentBytes", residency.residentBytes());
        json.addProperty("lockedBytes", residency.lockedBytes());
        return json;
    }

    private String vmLck() {
        return demo.simulated() ? "VmLck (simulated)" : "VmLck";
    }

    /** The bytes a pin locks: the segments in use, and the free ones retained for reuse. */
    private long heldBytes(final ArenaStats stats) {
        return (long)(stats.classSegments() + stats.runSegments()) * demo.scale().segmentBytes()
            + stats.retainedBytes();
    }
}
