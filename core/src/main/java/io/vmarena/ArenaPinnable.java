package io.vmarena;

import java.lang.ref.WeakReference;

/**
 * A shared arena as a {@link PinningPolicy} sees it, held weakly: the policy never keeps an
 * arena reachable, and a collected one reads as closed.
 */
final class ArenaPinnable implements Pinnable {
    private final WeakReference<Arena> arena;
    private final String name;

    ArenaPinnable(final Arena arena) {
        this.arena = new WeakReference<>(arena);
        this.name = arena.name();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isOpen() {
        final Arena target = arena.get();
        return target != null && target.isOpen();
    }

    @Override
    public Figures figures() {
        return target().pinFigures();
    }

    @Override
    public PinStatus pin(final long limitBytes, final String by) {
        return target().pin(limitBytes, by);
    }

    @Override
    public PinStatus unpin(final String why) {
        return target().unpin(why);
    }

    @Override
    public boolean callerBusy() {
        final Arena target = arena.get();
        return target != null && target.callerBusy();
    }

    private Arena target() {
        final Arena target = arena.get();
        if (target == null) {
            throw new IllegalStateException("arena '" + name + "' was collected");
        }
        return target;
    }
}
