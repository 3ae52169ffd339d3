package io.vmarena.bench;

import io.vmarena.Arena;
import io.vmarena.ArenaStats;
import io.vmarena.HugePages;
import io.vmarena.PinFallback;
import io.vmarena.PinState;
import io.vmarena.PinStatus;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.FaultObserver;
import org.agrona.UnsafeApi;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * {@link PinBenchmark}'s region: an arena of {@code regionBytes} holding one block of
 * {@code regionBytes}, committed (mprotect) and untouched, huge pages refused
 * ({@link PinRegionSpace}), pinned the way {@code mode} says:
 * <ul>
 *   <li>{@code onfault}: {@code Arena.pin()}, which locks with {@code mlock2(MLOCK_ONFAULT)}:
 *       nothing is faulted in, pages lock as they are first touched;</li>
 *   <li>{@code mlock}: {@code Arena.pin()} on an arena built with
 *       {@code pinFallback(PinFallback.MLOCK)} over an address space that hides
 *       MLOCK_ONFAULT, so the same call locks with plain mlock, which faults in every page;</li>
 *   <li>{@code none}: not pinned (the baseline).</li>
 * </ul>
 * {@link #check()} proves afterwards that the pin did what the mode says: the arena's pin
 * state, its pinned bytes, the process's VmLck grown by exactly those, and its resident bytes.
 */
final class PinRegion implements AutoCloseable {
    static final String[] MODES = {"onfault", "mlock", "none"};
    /** The arena's default segment, set explicitly: a pin's Java side is per segment (16 GiB: 8,192). */
    static final long SEGMENT_BYTES = 2L << 20;

    private final String mode;
    private final long regionBytes;
    private final AddressSpace space;
    private final Arena arena;
    private final long address;
    private final long pageBytes;
    private final long lockedBytesBefore;
    /** The simulator, told of the touches (Linux sees its own faults); null on Linux. */
    private final FaultObserver observer;
    private long touchedPages;

    private PinRegion(final String mode, final long regionBytes, final AddressSpace system) {
        this.mode = checkMode(mode);
        this.regionBytes = regionBytes;
        this.space = new PinRegionSpace(system, mode.equals("mlock"));
        this.arena = Arena.builder().name("pin-benchmark-" + mode).addressSpace(space).segmentBytes(SEGMENT_BYTES)
            .initialBytes(regionBytes).maximumBytes(regionBytes).hugePages(HugePages.REFUSED) // a page is a page
            .pinFallback(mode.equals("mlock") ? PinFallback.MLOCK : PinFallback.REFUSE)
            .build();
        try {
            this.address = arena.address(arena.allocate(regionBytes));
        } catch (final RuntimeException refused) {
            arena.close(); // the reservation goes with it
            throw refused;
        }
        this.pageBytes = space.pageSize();
        this.lockedBytesBefore = space.lockedBytes();
        this.observer = system instanceof FaultObserver ? (FaultObserver)space : null;
    }

    /** A fresh region: the arena built, its one block allocated (committed), nothing touched, nothing locked. */
    static PinRegion build(final AddressSpace system, final String mode, final long regionBytes) {
        return new PinRegion(mode, regionBytes, system);
    }

    /**
     * Builds, pins and closes {@code pins} small regions (16 segments, MLOCK_ONFAULT), so that the
     * Java side of a pin runs compiled code when it is measured: it walks the arena's places
     * (8,192 segments for 16 GiB) a few times, about 1 ms interpreted against 0.1 ms compiled,
     * while the kernel's mlock2 takes about 2 us.
     */
    static void warmUp(final AddressSpace system, final int pins) {
        final long regionBytes = 16 * SEGMENT_BYTES;
        for (int pin = 0; pin < pins; pin++) {
            try (PinRegion region = build(system, "onfault", regionBytes)) {
                region.pin();
            }
        }
    }

    static String checkMode(final String mode) {
        for (final String known : MODES) {
            if (known.equals(mode)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown mode " + mode + "; one of onfault, mlock, none");
    }

    /**
     * Why this machine cannot pin {@code regionBytes} in {@code mode}, or null when it can: the
     * memlock limit without CAP_IPC_LOCK, or, for plain mlock (which makes every page resident),
     * too little available memory (/proc/meminfo's MemAvailable, less 1 GiB for everything else).
     */
    static String cannotPin(final Capabilities caps, final String mode, final long regionBytes) {
        checkMode(mode);
        if (mode.equals("none")) {
            return null;
        }
        if (!caps.ipcLock().available() && caps.memlockSoftBytes() < regionBytes) {
            return "RLIMIT_MEMLOCK is " + caps.memlockSoftBytes() + " bytes without CAP_IPC_LOCK, less than the "
                + regionBytes + " bytes to pin (raise it with ulimit -l, or run as root)";
        }
        final long availableBytes = memAvailableBytes();
        if (mode.equals("mlock") && availableBytes >= 0 && regionBytes > availableBytes - (1L << 30)) {
            return "plain mlock makes all " + regionBytes + " bytes resident, and MemAvailable is " + availableBytes
                + " bytes (1 GiB kept for the rest of the machine)";
        }
        return null;
    }

    /** MemAvailable of /proc/meminfo in bytes, or -1 where there is none. */
    private static long memAvailableBytes() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(new FileInputStream("/proc/meminfo"),
            StandardCharsets.US_ASCII))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return -1;
        } catch (final IOException | NumberFormatException unreadable) {
            return -1;
        }
    }

    /** The measured call: pins the arena as {@code mode} says; returns the bytes pinned. */
    long pin() {
        return mode.equals("none") ? 0 : arena.pin().pinnedBytes();
    }

    /** Writes one byte into each of the first {@code pages} pages of the block, in order: first touches. */
    long touch(final int pages) {
        final long stride = pageBytes;
        long at = address;
        for (int page = 0; page < pages; page++) {
            UnsafeApi.putByte(at, (byte)1);
            at += stride;
        }
        if (observer != null) {
            observer.written(address, pages * stride);
        }
        touchedPages += pages;
        return at;
    }

    /**
     * Checks that the region is as the mode leaves it: pinned (wholly) or not, the pinned bytes
     * all of the region, VmLck grown by them, and resident only what was touched (MLOCK_ONFAULT,
     * none) or all of it (plain mlock populates).
     */
    void check() {
        final ArenaStats stats = arena.stats();
        final PinStatus pin = stats.pin();
        final boolean pinned = !mode.equals("none");
        final long pinnedBytes = pinned ? regionBytes : 0;
        final long residentBytes = mode.equals("mlock") ? regionBytes : touchedPages * pageBytes;
        check(pin.state() == (pinned ? PinState.PINNED : PinState.UNPINNED), "the arena is " + pin.state() + ": "
            + pin.reason());
        check(stats.pin().pinnedBytes() == pinnedBytes, stats.pin().pinnedBytes() + " bytes pinned, not " + pinnedBytes);
        check(space.lockedBytes() - lockedBytesBefore == pinnedBytes, "VmLck grew by " + (space.lockedBytes()
            - lockedBytesBefore) + " bytes, not " + pinnedBytes);
        final long measuredBytes = arena.residency().residentBytes(); // in memory as measured, not the account
        check(measuredBytes == residentBytes, measuredBytes + " bytes resident, not " + residentBytes);
    }

    private void check(final boolean condition, final String what) {
        if (!condition) {
            throw new IllegalStateException("PinBenchmark (mode " + mode + ", " + regionBytes + " bytes) measured "
                + "something else: " + what);
        }
    }

    /** Unmaps the region (a locked one too: munmap unlocks what it unmaps). */
    @Override
    public void close() {
        arena.close();
    }
}
