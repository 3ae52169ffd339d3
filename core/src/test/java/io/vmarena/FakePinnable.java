package io.vmarena;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An arena as a pinning policy sees it, with every figure set by the test: what it pins is
 * min(limit, committed), or what {@link #lockableBytes} allows (as the kernel's ENOMEM would),
 * and every call is logged. A call after close is a test failure: the policy must not touch a
 * closed arena beyond the refusal a real arena gives.
 */
final class FakePinnable implements Pinnable {
    /** Every call on every fake, in order: "pin a 4096", "unpin b". */
    final List<String> log;
    private final String name;
    volatile boolean open = true;
    volatile long claims;
    volatile long sections;
    volatile long committedBytes;
    volatile long pinnedBytes;
    /** What the kernel lets it lock; beyond it a pin is refused in part. */
    volatile long lockableBytes = Long.MAX_VALUE;
    volatile String lastReason;
    /** Runs inside pin() and unpin(), before anything changes: tests' hooks. */
    volatile Consumer<FakePinnable> during = fake -> { };
    /** Thrown by pin() and unpin() when set. */
    volatile RuntimeException failure;

    FakePinnable(final String name, final long committedBytes, final List<String> log) {
        this.name = name;
        this.committedBytes = committedBytes;
        this.log = log;
    }

    static List<String> log() {
        return new CopyOnWriteArrayList<>();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public Figures figures() {
        ensureOpen("figures");
        return new Figures(claims, sections, committedBytes, pinnedBytes);
    }

    @Override
    public PinStatus pin(final long limitBytes, final String by) {
        ensureOpen("pin");
        during.accept(this);
        ensureOpen("pin");
        log.add("pin " + name + " " + limitBytes);
        if (failure != null) {
            throw failure;
        }
        final long wanted = Math.min(limitBytes, committedBytes);
        pinnedBytes = Math.min(wanted, lockableBytes);
        if (pinnedBytes == committedBytes) {
            lastReason = "arena '" + name + "' is pinned by " + by;
            return new PinStatus(PinState.PINNED, pinnedBytes, 0, lastReason);
        }
        lastReason = "arena '" + name + "' is pinned in part by " + by + (pinnedBytes < wanted
            ? "; ENOMEM: " + pinnedBytes + " bytes locked" : "; the pinning limit of " + limitBytes + " bytes is reached");
        return new PinStatus(PinState.PARTLY_PINNED, pinnedBytes, committedBytes - pinnedBytes, lastReason);
    }

    @Override
    public PinStatus unpin(final String why) {
        ensureOpen("unpin");
        during.accept(this);
        ensureOpen("unpin");
        log.add("unpin " + name);
        if (failure != null) {
            throw failure;
        }
        lastReason = "arena '" + name + "' is not pinned: " + why;
        pinnedBytes = 0;
        return new PinStatus(PinState.UNPINNED, 0, 0, lastReason);
    }

    void touch(final long moreClaims, final long moreSections) {
        claims += moreClaims;
        sections += moreSections;
    }

    private void ensureOpen(final String operation) {
        if (!open) {
            log.add("after close: " + operation + " " + name);
            throw new IllegalStateException("arena '" + name + "' is closed");
        }
    }
}
