package io.vmarena.linux;

import com.sun.jna.LastErrorException;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Errno;
import io.vmarena.vm.ErrnoHints;
import io.vmarena.vm.Lease;
import io.vmarena.vm.LeasedCalls;
import io.vmarena.vm.LeasedView;
import io.vmarena.vm.LockBudget;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.RangeGuard;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.Residency;
import io.vmarena.vm.SyscallText;
import io.vmarena.vm.VmException;

import java.util.List;

/**
 * The process's real address space: each method is one system call through {@link LibC},
 * with the kernel's errno turned into a {@link VmException} that says what to change. Before
 * the call it checks that the range is one this address space handed out ({@link OwnedRanges}),
 * so no caller can unmap or move the JVM's own memory. Each call holds the pages it may change
 * across check, call and bookkeeping ({@link RangeGuard#enter}), so no other thread's call on
 * those pages can come between a check and the call it allowed, while calls on disjoint ranges
 * (other arenas' commits, trims and moves) run at the same time; only the bookkeeping itself is
 * under one short lock. Success paths build no strings.
 */
final class LinuxAddressSpace implements AddressSpace, LeasedCalls {
    private final Capabilities capabilities;
    private final long pageSize;
    private final long pageMask;
    private final RangeGuard guard;
    private final ProcmapQuery procmapQuery;
    private final PagemapScan pagemapScan;
    /** /proc/self/maps is read into this, reused (guarded by {@code this}). */
    private byte[] mapsBuffer = new byte[64 << 10];
    private final int[] mapsLength = new int[1];
    /** For tests: called inside each changing call's window, after its check, before its system call. */
    volatile CallWindow callWindow;

    /** What a test runs inside a call's window (see {@link #callWindow}). */
    interface CallWindow {
        void entered(String operation, long address);
    }

    LinuxAddressSpace(final Capabilities capabilities) {
        this.capabilities = capabilities;
        this.pageSize = capabilities.pageSize();
        this.pageMask = pageSize - 1;
        this.guard = new RangeGuard(pageSize);
        this.procmapQuery = capabilities.procmapQuery().available() ? new ProcmapQuery() : null;
        this.pagemapScan = capabilities.pagemapScan().available() ? new PagemapScan() : null;
    }

    @Override
    public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
        return map(null, address, lengthBytes, protection, flags);
    }

    @Override
    public long map(final Lease lease, final long address, final long lengthBytes, final Protection protection,
        final int flags) {
        MapFlags.validate(flags);
        final boolean fixed = (flags & MapFlags.FIXED) != 0;
        // Only MAP_FIXED changes what is there; otherwise the kernel picks free pages (or, with
        // FIXED_NOREPLACE, refuses), and the result is held only for the bookkeeping.
        int ticket = fixed ? guard.enter(address, lengthBytes) : RangeGuard.NO_TICKET;
        try {
            if (fixed) {
                guard.require("mmap", address, lengthBytes, this, lease);
            } else if ((flags & MapFlags.FIXED_NOREPLACE) != 0) {
                guard.requireNotHeld("mmap", address, lengthBytes, lease);
            }
            final int nativeFlags = LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS
                | (fixed ? LibC.MAP_FIXED : 0)
                | ((flags & MapFlags.NORESERVE) != 0 ? LibC.MAP_NORESERVE : 0)
                | ((flags & MapFlags.FIXED_NOREPLACE) != 0 ? LibC.MAP_FIXED_NOREPLACE : 0);
            final long result;
            entered("mmap", address);
            try {
                result = LibC.mmap(address, lengthBytes, protection.bits(), nativeFlags, -1, 0);
            } catch (final LastErrorException e) {
                throw failure("mmap", e, lengthBytes, hex(address), Long.toString(lengthBytes),
                    SyscallText.protection(protection), SyscallText.mapFlags(flags), "-1", "0");
            }
            long placed = result;
            if (!fixed) {
                ticket = guard.hold(ticket, placed, lengthBytes);
                if ((flags & MapFlags.FIXED_NOREPLACE) == 0) {
                    placed = awayFromHolds(placed, address, lengthBytes, protection, nativeFlags, flags, lease, ticket);
                }
            }
            guard.mapped(placed, lengthBytes, flags);
            return placed;
        } finally {
            guard.leave(ticket);
        }
    }

    /**
     * A placement the kernel made in a hole another lease holds is not handed out: that hole is
     * its holder's to map again. It stays mapped (and held by the call's ticket) while the
     * kernel is asked again, so that it places elsewhere, and is unmapped once a free place is
     * found, leaving the hole as it was.
     *
     * @throws VmException ENOMEM when every try landed in held holes (each is unmapped again)
     */
    private long awayFromHolds(final long placed, final long address, final long lengthBytes,
        final Protection protection, final int nativeFlags, final int flags, final Lease lease, final int ticket) {
        long result = placed;
        java.util.List<Long> blockers = null;
        try {
            while (guard.owned().heldByOther(result, guard.pageCeil(result + lengthBytes), lease) != null) {
                if (blockers == null) {
                    blockers = new java.util.ArrayList<>();
                }
                blockers.add(result);
                if (blockers.size() > RangeGuard.PLACEMENT_TRIES) {
                    throw new VmException("mmap", hex(address) + ", " + lengthBytes, Errno.ENOMEM, "every place the "
                        + "kernel chose is a hole another lease holds (" + guard.owned().heldByOther(result,
                        guard.pageCeil(result + lengthBytes), lease) + "); free address space, or try again");
                }
                try {
                    result = LibC.mmap(address, lengthBytes, protection.bits(), nativeFlags, -1, 0);
                } catch (final LastErrorException e) {
                    throw failure("mmap", e, lengthBytes, hex(address), Long.toString(lengthBytes),
                        SyscallText.protection(protection), SyscallText.mapFlags(flags), "-1", "0");
                }
                guard.hold(ticket, result, lengthBytes);
            }
            return result;
        } finally {
            if (blockers != null) {
                for (final long blocker : blockers) {
                    LibC.munmap(blocker, lengthBytes); // fresh, ours, in the holder's hole: gives the hole back
                }
            }
        }
    }

    @Override
    public void unmap(final long address, final long lengthBytes) {
        unmap(null, address, lengthBytes);
    }

    @Override
    public void unmap(final Lease lease, final long address, final long lengthBytes) {
        final int ticket = guard.enter(address, lengthBytes);
        try {
            guard.require("munmap", address, lengthBytes, this, lease);
            entered("munmap", address);
            try {
                LibC.munmap(address, lengthBytes);
            } catch (final LastErrorException e) {
                throw failure("munmap", e, lengthBytes, hex(address), Long.toString(lengthBytes));
            }
            guard.unmapped(address, lengthBytes);
        } finally {
            guard.leave(ticket);
        }
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        protect(null, address, lengthBytes, protection);
    }

    @Override
    public void protect(final Lease lease, final long address, final long lengthBytes, final Protection protection) {
        final int ticket = guard.enter(address, lengthBytes);
        try {
            guard.require("mprotect", address, lengthBytes, this, lease);
            entered("mprotect", address);
            try {
                LibC.mprotect(address, lengthBytes, protection.bits());
            } catch (final LastErrorException e) {
                throw failure("mprotect", e, lengthBytes, hex(address), Long.toString(lengthBytes),
                    SyscallText.protection(protection));
            }
        } finally {
            guard.leave(ticket);
        }
    }

    /**
     * Holds the source, as far as it may grow in place, and a MREMAP_FIXED destination; a
     * destination the kernel picks is held once it is known, for the bookkeeping.
     */
    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        return remap(null, oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
    }

    @Override
    public long remap(final Lease lease, final long oldAddress, final long oldLengthBytes, final long newLengthBytes,
        final int flags, final long newAddress) {
        if (guard.growthHolder(oldAddress, oldLengthBytes, newLengthBytes, flags, lease) != null) {
            return guard.moveInsteadOfGrowing(this, lease, oldAddress, oldLengthBytes, newLengthBytes, flags);
        }
        final boolean fixed = (flags & RemapFlags.FIXED) != 0;
        final long sourceBytes = fixed || Long.compareUnsigned(oldLengthBytes, newLengthBytes) >= 0 ? oldLengthBytes
            : newLengthBytes;
        int ticket = guard.enter(oldAddress, sourceBytes, newAddress, fixed ? newLengthBytes : 0);
        try {
            guard.require("mremap", oldAddress, oldLengthBytes, this, lease);
            if (fixed) {
                guard.require("mremap", newAddress, newLengthBytes, this, lease);
            }
            long result;
            entered("mremap", oldAddress);
            try {
                result = LibC.mremap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
            } catch (final LastErrorException e) {
                guard.remapFailed(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress, this);
                throw failure("mremap", e, newLengthBytes, hex(oldAddress), Long.toString(oldLengthBytes),
                    Long.toString(newLengthBytes), RemapFlags.describe(flags), hex(newAddress));
            }
            if (!fixed && result != oldAddress) {
                // It moved: the pages it could have grown into are no longer its to hold.
                guard.narrow(ticket, oldAddress, oldLengthBytes);
                ticket = guard.hold(ticket, result, newLengthBytes);
                if (guard.owned().heldByOther(result, guard.pageCeil(result + newLengthBytes), lease) != null) {
                    result = outOfHeldHole(result, newLengthBytes, lease, ticket);
                }
            }
            guard.remapped(oldAddress, oldLengthBytes, newLengthBytes, flags, result, lease);
            return result;
        } finally {
            guard.leave(ticket);
        }
    }

    /**
     * A move the kernel placed in a hole another lease holds goes on to a place no lease holds
     * (a fresh reservation, see {@link #awayFromHolds}), as if the kernel had put it there; if
     * that second move fails, the memory stays where the kernel put it.
     */
    private long outOfHeldHole(final long result, final long newLengthBytes, final Lease lease, final int ticket) {
        final long place = map(lease, 0, newLengthBytes, Protection.NONE, MapFlags.NORESERVE);
        guard.hold(ticket, place, newLengthBytes);
        if (guard.owns(place, newLengthBytes, this, lease)) { // no other thread unmapped it meanwhile
            try {
                return LibC.mremap(result, newLengthBytes, newLengthBytes, RemapFlags.MAYMOVE | RemapFlags.FIXED,
                    place);
            } catch (final LastErrorException stays) {
                // fall through: give the place back, the memory stays where the kernel put it
            }
        }
        try {
            LibC.munmap(place, newLengthBytes);
            guard.unmapped(place, newLengthBytes);
        } catch (final LastErrorException ignored) {
            // still mapped and ours: nothing is lost
        }
        return result;
    }

    @Override
    public void lock(final long address, final long lengthBytes, final LockMode mode) {
        lock(null, address, lengthBytes, mode);
    }

    @Override
    public void lock(final Lease lease, final long address, final long lengthBytes, final LockMode mode) {
        final int ticket = guard.enter(address, lengthBytes);
        try {
            guard.require("mlock2", address, lengthBytes, this, lease);
            final int flags = mode == LockMode.ON_FAULT ? LibC.MLOCK_ONFAULT : 0;
            entered("mlock2", address);
            try {
                Mlock2.mlock2(address, lengthBytes, flags);
            } catch (final LastErrorException e) {
                throw failure("mlock2", e, lengthBytes, hex(address), Long.toString(lengthBytes),
                    SyscallText.lockFlags(mode));
            }
        } finally {
            guard.leave(ticket);
        }
    }

    @Override
    public void unlock(final long address, final long lengthBytes) {
        unlock(null, address, lengthBytes);
    }

    @Override
    public void unlock(final Lease lease, final long address, final long lengthBytes) {
        final int ticket = guard.enter(address, lengthBytes);
        try {
            guard.require("munlock", address, lengthBytes, this, lease);
            entered("munlock", address);
            try {
                LibC.munlock(address, lengthBytes);
            } catch (final LastErrorException e) {
                throw failure("munlock", e, lengthBytes, hex(address), Long.toString(lengthBytes));
            }
        } finally {
            guard.leave(ticket);
        }
    }

    @Override
    public void advise(final long address, final long lengthBytes, final Advice advice) {
        advise(null, address, lengthBytes, advice);
    }

    @Override
    public void advise(final Lease lease, final long address, final long lengthBytes, final Advice advice) {
        final int ticket = guard.enter(address, lengthBytes);
        try {
            guard.require("madvise", address, lengthBytes, this, lease);
            entered("madvise", address);
            try {
                LibC.madvise(address, lengthBytes, adviceValue(advice));
            } catch (final LastErrorException e) {
                throw failure("madvise", e, lengthBytes, hex(address), Long.toString(lengthBytes),
                    SyscallText.advice(advice));
            }
        } finally {
            guard.leave(ticket);
        }
    }

    @Override
    public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
        switch (source) {
            case AUTO:
                return procmapQuery != null ? queryMappings(fromAddress, toAddress) : readMaps(fromAddress, toAddress);
            case PROCMAP_QUERY:
                if (procmapQuery == null) {
                    throw new UnsupportedOperationException("PROCMAP_QUERY is unavailable: "
                        + capabilities.procmapQuery().reason());
                }
                return queryMappings(fromAddress, toAddress);
            case PROC_MAPS:
                return readMaps(fromAddress, toAddress);
            case SMAPS:
                return ProcMaps.parseSmaps(ProcFiles.read("/proc/self/smaps"), fromAddress, toAddress, pageSize);
            default:
                throw new IllegalArgumentException("unknown mapping source " + source);
        }
    }

    private synchronized List<Mapping> readMaps(final long fromAddress, final long toAddress) {
        mapsBuffer = ProcFiles.readInto("/proc/self/maps", mapsBuffer, mapsLength);
        return ProcMaps.parseMaps(mapsBuffer, mapsLength[0], fromAddress, toAddress);
    }

    private List<Mapping> queryMappings(final long fromAddress, final long toAddress) {
        try {
            return procmapQuery.mappings(fromAddress, toAddress);
        } catch (final LastErrorException e) {
            throw new VmException("ioctl", "/proc/self/maps, PROCMAP_QUERY, 0x" + Long.toHexString(fromAddress),
                e.getErrorCode(), "the PROCMAP_QUERY ioctl failed; MappingSource.PROC_MAPS still works");
        }
    }

    /**
     * mincore over each VMA's part of the range (mincore fails with ENOMEM over a hole), in
     * chunks of 64 Ki pages so the vector stays small; a VMA that vanished meanwhile counts 0.
     */
    @Override
    public long residentBytes(final long fromAddress, final long toAddress) {
        final int chunkPages = 1 << 16;
        final byte[] vector = new byte[chunkPages];
        long residentPages = 0;
        for (final Mapping mapping : mappings(fromAddress, toAddress, MappingSource.AUTO)) {
            long start = Math.max(fromAddress, mapping.startAddress());
            final long end = Math.min(toAddress, mapping.endAddress());
            while (start < end) {
                final int pages = (int)Math.min(chunkPages, (end - start) / pageSize);
                try {
                    LibC.mincore(start, pages * pageSize, vector);
                } catch (final LastErrorException gone) {
                    break; // unmapped meanwhile by its owner: not resident
                }
                for (int page = 0; page < pages; page++) {
                    residentPages += vector[page] & 1;
                }
                start += pages * pageSize;
            }
        }
        return residentPages * pageSize;
    }

    /**
     * PAGEMAP_SCAN over the range (one ioctl per 256 runs of pages); without it (before 6.7),
     * mincore for the resident bytes (a page a read mapped to the zero page counts) and, only
     * where THP may be in effect, smaps for the huge-page bytes (a read of all of it).
     */
    @Override
    public Residency residency(final long fromAddress, final long toAddress, final long[] within) {
        Residency.checkWithin(fromAddress, toAddress, within);
        if (pagemapScan != null) {
            try {
                return pagemapScan.residency(fromAddress, toAddress, within);
            } catch (final LastErrorException e) {
                throw new VmException("ioctl", "/proc/self/pagemap, PAGEMAP_SCAN, 0x" + Long.toHexString(fromAddress),
                    e.getErrorCode(), "the PAGEMAP_SCAN ioctl failed");
            }
        }
        long withinBytes = 0;
        for (int index = 0; index < within.length; index += 2) {
            withinBytes += residentBytes(within[index], within[index + 1]);
        }
        final String thpMode = capabilities.thpMode();
        long hugePageBytes = 0;
        if (!"never".equals(thpMode) && !"unavailable".equals(thpMode)) {
            for (final Mapping mapping : mappings(fromAddress, toAddress, MappingSource.SMAPS)) {
                hugePageBytes += mapping.anonHugePageBytes();
            }
        }
        return new Residency(residentBytes(fromAddress, toAddress), hugePageBytes, withinBytes);
    }

    @Override
    public long lockedBytes() {
        final String vmLck = ProcFiles.field(ProcFiles.read("/proc/self/status"), "VmLck");
        return vmLck == null ? 0 : ProcFiles.kilobytes(vmLck);
    }

    @Override
    public long availableMemoryBytes() {
        final String text = ProcFiles.readOrNull("/proc/meminfo");
        final String available = text == null ? null : ProcFiles.field(text, "MemAvailable");
        return available == null ? Long.MAX_VALUE : ProcFiles.kilobytes(available);
    }

    @Override
    public long pageSize() {
        return pageSize;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public boolean owns(final long address, final long lengthBytes) {
        return owns(null, address, lengthBytes);
    }

    @Override
    public boolean owns(final Lease lease, final long address, final long lengthBytes) {
        final int ticket = guard.enter(address, lengthBytes);
        try {
            return guard.owns(address, lengthBytes, this, lease);
        } finally {
            guard.leave(ticket);
        }
    }

    @Override
    public void hold(final Lease lease, final long address, final long lengthBytes) {
        final int ticket = guard.enter(address, lengthBytes);
        try {
            guard.hold(lease, address, lengthBytes, this);
        } finally {
            guard.leave(ticket);
        }
    }

    @Override
    public void unhold(final Lease lease, final long address, final long lengthBytes) {
        final int ticket = guard.enter(address, lengthBytes);
        try {
            guard.unhold(lease, address, lengthBytes);
        } finally {
            guard.leave(ticket);
        }
    }

    @Override
    public AddressSpace actingFor(final Lease lease) {
        return new LeasedView(this, this, lease);
    }

    private void entered(final String operation, final long address) {
        final CallWindow window = callWindow;
        if (window != null) {
            window.entered(operation, address);
        }
    }

    private VmException failure(final String operation, final LastErrorException e, final long lengthBytes,
        final String... arguments) {
        final Errno errno = Errno.of(e.getErrorCode());
        final LockBudget budget = operation.equals("mlock2") || operation.equals("mremap") ? lockBudget() : null;
        return new VmException(operation, String.join(", ", arguments), e.getErrorCode(),
            ErrnoHints.hint(operation, errno, lengthBytes, budget));
    }

    /** Read afresh (at failure time too): limits may have changed since start-up (prlimit). */
    @Override
    public LockBudget lockBudget() {
        final long[] memlock = LinuxProbe.memlockLimits();
        return new LockBudget(lockedBytes(), memlock[0], memlock[1], capabilities.ipcLock().available());
    }

    private static int adviceValue(final Advice advice) {
        switch (advice) {
            case DONTNEED:
                return LibC.MADV_DONTNEED;
            case FREE:
                return LibC.MADV_FREE;
            case WILLNEED:
                return LibC.MADV_WILLNEED;
            case HUGEPAGE:
                return LibC.MADV_HUGEPAGE;
            case NOHUGEPAGE:
                return LibC.MADV_NOHUGEPAGE;
            case POPULATE_WRITE:
                return LibC.MADV_POPULATE_WRITE;
            default:
                throw new IllegalArgumentException("unknown advice " + advice);
        }
    }

    private static String hex(final long address) {
        return SyscallText.hex(address);
    }
}
