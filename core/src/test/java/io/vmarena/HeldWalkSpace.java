package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.ForwardingAddressSpace;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Residency;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An address space whose {@link #residency} (the page-table walk of stats()) can be held: once
 * {@link #holdNextWalk()} is called, the next walk tells {@link #awaitWalking()} it has begun and
 * waits for {@link #release()}. Every walk also checks that the range it walks is mapped from
 * end to end when it starts and when it ends (an arena's range is, reserved or committed: the
 * union of its VMAs covers it): a walk of a range that moved away or was unmapped under it is
 * recorded, for {@link #unmappedWalk()}.
 */
final class HeldWalkSpace extends ForwardingAddressSpace {
    private static final long HOLD_LIMIT_SECONDS = 60;
    private final AddressSpace delegate;
    /** Whether the next walk is to be held: taken by the walk that holds. */
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile CountDownLatch walking;
    private volatile CountDownLatch released;
    private final AtomicReference<String> unmappedWalk = new AtomicReference<>();

    HeldWalkSpace(final AddressSpace delegate) {
        super(delegate);
        this.delegate = delegate;
    }

    /** The next walk (of any thread) waits for {@link #release()}. */
    void holdNextWalk() {
        released = new CountDownLatch(1);
        walking = new CountDownLatch(1);
        armed.set(true);
    }

    /** Waits until the held walk has begun (its stats() holds whatever it holds while walking). */
    void awaitWalking() throws InterruptedException {
        if (!walking.await(HOLD_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("no stats() walk began within " + HOLD_LIMIT_SECONDS + " s");
        }
    }

    /** Lets the held walk go on; does nothing when none is held. */
    void release() {
        final CountDownLatch hold = released;
        if (hold != null) {
            hold.countDown();
        }
    }

    /** The first walk of a range that was not wholly mapped, described, or null. */
    String unmappedWalk() {
        return unmappedWalk.get();
    }

    @Override
    public Residency residency(final long fromAddress, final long toAddress, final long[] within) {
        checkMapped(fromAddress, toAddress, "began");
        if (armed.compareAndSet(true, false)) {
            walking.countDown();
            try {
                if (!released.await(HOLD_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new AssertionError("the held walk was not released within " + HOLD_LIMIT_SECONDS + " s");
                }
            } catch (final InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while held", interrupted);
            }
        }
        final Residency residency = super.residency(fromAddress, toAddress, within);
        checkMapped(fromAddress, toAddress, "ended");
        return residency;
    }

    private void checkMapped(final long fromAddress, final long toAddress, final String when) {
        // The union of the VMAs found: VMAs read one query at a time while other threads change
        // the arena may overlap (one found before a merge, the merged one after it).
        final List<Mapping> mappings = delegate.mappings(fromAddress, toAddress, MappingSource.AUTO);
        final List<Mapping> sorted = new ArrayList<>(mappings);
        sorted.sort(Comparator.comparingLong(Mapping::startAddress));
        long mappedBytes = 0;
        long coveredTo = fromAddress;
        for (final Mapping mapping : sorted) {
            final long start = Math.max(coveredTo, mapping.startAddress());
            final long end = Math.min(toAddress, mapping.endAddress());
            if (end > start) {
                mappedBytes += end - start;
                coveredTo = end;
            }
        }
        if (mappedBytes != toAddress - fromAddress) {
            unmappedWalk.compareAndSet(null, "a walk of [0x" + Long.toHexString(fromAddress) + ", 0x"
                + Long.toHexString(toAddress) + ") " + when + " with " + mappedBytes + " bytes of it mapped: " + mappings);
        }
    }
}
