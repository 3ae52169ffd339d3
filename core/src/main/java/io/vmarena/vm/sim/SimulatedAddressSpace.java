package io.vmarena.vm.sim;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Errno;
import io.vmarena.vm.ErrnoHints;
import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.Feature;
import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.Lease;
import io.vmarena.vm.LeasedCalls;
import io.vmarena.vm.LeasedView;
import io.vmarena.vm.LockBudget;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RangeGuard;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.Residency;
import io.vmarena.vm.SyscallText;
import io.vmarena.vm.VmException;

import java.util.ArrayList;
import java.util.List;

/**
 * A simulated Linux process address space, faithful to kernel-semantics.md (Linux 6.18): VMAs
 * split and merged by the kernel's rules, every errno in the kernel's order of checks, partial
 * application where the kernel applies partially, RLIMIT_MEMLOCK and CAP_IPC_LOCK, the
 * vm.max_map_count thresholds, VmLck as a counter (with the DONTUNMAP leak), resident pages.
 *
 * <p>Memory is real: one block taken from the JVM, with addresses inside it, so callers read and
 * write simulated memory exactly as on Linux. A move copies the bytes (the one thing it cannot
 * do as Linux does) and poisons the old range ({@code 0xA5}) so a stale read shows; DONTNEED
 * zeroes. The simulator cannot see the CPU's page faults: code that writes through raw
 * addresses reports it with {@link #written} (a {@link FaultObserver}), which makes the pages
 * resident and gives the VMA its anon_vma, as the first write does on Linux; code that reads
 * reports it with {@link #read}, which does the same where the profile plays a kernel without
 * the shared zero page ({@link KernelProfile#withZeroPage}) and nothing where it has one.
 *
 * <p>Not modelled: transparent huge pages (residency is counted in base pages), file and shared
 * mappings, sealing, userfaultfd, RLIMIT_AS. Thread-safe (one lock). Close it to free the block.
 */
public final class SimulatedAddressSpace implements AddressSpace, LeasedCalls, FaultObserver, AutoCloseable {
    /** 1 GiB of address space: the host gives pages lazily, so only what is used costs memory. */
    public static final long DEFAULT_BLOCK_BYTES = 1L << 30;

    private final SimProcess process;
    private final SimMmap mmap;
    private final SimMprotect mprotect;
    private final SimMlock mlock;
    private final SimMadvise madvise;
    private final SimMremap mremap;
    private final RangeGuard guard;
    private final Capabilities capabilities;
    private boolean closed;

    public SimulatedAddressSpace(final KernelProfile profile) {
        this(profile, DEFAULT_BLOCK_BYTES);
    }

    /** @param blockBytes the size of the simulated process's address space, a multiple of the page size */
    public SimulatedAddressSpace(final KernelProfile profile, final long blockBytes) {
        if (blockBytes <= 0 || blockBytes % profile.pageSize() != 0) {
            throw new IllegalArgumentException("the block must be a positive multiple of the page size ("
                + profile.pageSize() + "), got " + blockBytes);
        }
        process = new SimProcess(profile, blockBytes);
        mmap = new SimMmap(process);
        mprotect = new SimMprotect(process);
        mlock = new SimMlock(process);
        madvise = new SimMadvise(process);
        mremap = new SimMremap(process, mmap);
        guard = new RangeGuard(profile.pageSize());
        capabilities = capabilitiesOf(profile);
    }

    /** What a simulated process of {@code profile} would report, without making one. */
    public static Capabilities capabilitiesOf(final KernelProfile profile) {
        final String kernel = "simulated Linux " + profile.kernel();
        return Capabilities.builder()
            .backend("sim")
            .multiVmaMove(profile.multiVmaMove() ? Feature.present(kernel + " moves across VMAs in one call")
                : Feature.absent(kernel + " refuses a move across VMAs with EFAULT, as before 6.17"))
            .lockOnFault(profile.lockOnFault() ? Feature.present(kernel + " has mlock2(MLOCK_ONFAULT)")
                : Feature.absent(kernel + " refuses mlock2(MLOCK_ONFAULT) with EINVAL, as before 4.4"))
            .lockOnFaultShown(profile.lockOnFaultShown() ? Feature.present(kernel + " shows VM_LOCKONFAULT in smaps (lf)")
                : Feature.absent(kernel + " shows a VMA locked on fault as lo without lf, as 6.1 does"))
            .procmapQuery(profile.procmapQuery() ? Feature.present(kernel + " has PROCMAP_QUERY")
                : Feature.absent(kernel + " has no PROCMAP_QUERY (added in 6.11)"))
            // What the feature gives a caller, residency as smaps counts it in one pass, the
            // simulator gives on every profile: it has no mincore fallback to play.
            .pagemapScan(Feature.present("the simulator answers residency from its own pages, as smaps counts "
                + "them (a zero-page read is not resident), on every simulated kernel"))
            .ipcLock(profile.ipcLock() ? Feature.present("the simulated process holds CAP_IPC_LOCK")
                : Feature.absent("the simulated process lacks CAP_IPC_LOCK: locking is limited by RLIMIT_MEMLOCK"))
            .pageSize(profile.pageSize())
            .pmdBytes(profile.pageSize() * (profile.pageSize() / Long.BYTES))
            .thpMode("never")
            .memlock(profile.memlockBytes(), profile.memlockBytes())
            .maxMapCount(profile.maxMapCount())
            .kernelRelease(profile.kernel() + " (simulated)")
            .architecture("sim")
            .zeroPage(profile.zeroPage()
                ? Feature.present(kernel + " maps the shared zero page on a read fault (the profile's default, as "
                    + "upstream x86-64 and arm64)")
                : Feature.absent(kernel + " allocates a page on a read fault (the profile plays a build without the "
                    + "zero page)"))
            .trait(KernelTrait.DONTUNMAP_SETTLES, profile.trait(KernelTrait.DONTUNMAP_SETTLES)
                ? Feature.present(kernel + " settles a DONTUNMAP move's locked source (the profile plays 7.3)")
                : Feature.absent(kernel + " unlocks a DONTUNMAP move's locked source whole and leaks locked_vm (the "
                    + "profile plays 6.18)"))
            .build();
    }

    public KernelProfile profile() {
        return process.profile;
    }

    public synchronized KernelCounters counters() {
        ensureOpen();
        return new KernelCounters(process.systemCalls, process.vmasMoved, process.pagesMoved);
    }

    /**
     * Pages that a read fault (a reported read, or mlock's population of read-only memory)
     * gave a page of their own: always 0 where the profile maps the zero page.
     */
    public synchronized long pagesAllocatedByReads() {
        ensureOpen();
        return process.pagesAllocatedByReads;
    }

    @Override
    public long map(final long address, final long lengthBytes, final Protection protection,
        final int flags) {
        return map(null, address, lengthBytes, protection, flags);
    }

    @Override
    public synchronized long map(final Lease lease,
        final long address, final long lengthBytes, final Protection protection,
        final int flags) {
        ensureOpen();
        MapFlags.validate(flags);
        if ((flags & MapFlags.FIXED) != 0) {
            guard.require("mmap", address, lengthBytes, this, lease);
        } else if ((flags & MapFlags.FIXED_NOREPLACE) != 0) {
            guard.requireNotHeld("mmap", address, lengthBytes, lease);
        }
        process.systemCalls++;
        long result = mmap.mmap(address, lengthBytes, protection, flags);
        if (result >= 0 && (flags & (MapFlags.FIXED | MapFlags.FIXED_NOREPLACE)) == 0) {
            result = awayFromHolds(result, address, lengthBytes, protection, flags, lease);
        }
        if (result < 0) {
            throw failure("mmap", result, lengthBytes, SyscallText.hex(address), Long.toString(lengthBytes),
                SyscallText.protection(protection), SyscallText.mapFlags(flags), "-1", "0");
        }
        guard.mapped(result, lengthBytes, flags);
        return result;
    }

    /**
     * A placement the kernel made in a hole another lease holds is not handed out: that hole is
     * its holder's to map again. It stays mapped while the kernel is asked again (so it places
     * elsewhere), and is unmapped once a free place is found, leaving the hole as it was.
     *
     * @return the placement, or ENOMEM when every try landed in held holes
     */
    private long awayFromHolds(final long placed, final long address, final long lengthBytes,
        final Protection protection, final int flags, final Lease lease) {
        long result = placed;
        List<Long> blockers = null;
        while (result >= 0 && guard.owned().heldByOther(result, guard.pageCeil(result + lengthBytes), lease) != null) {
            if (blockers == null) {
                blockers = new ArrayList<>();
            }
            blockers.add(result);
            if (blockers.size() > RangeGuard.PLACEMENT_TRIES) {
                result = SimProcess.error(Errno.ENOMEM);
                break;
            }
            process.systemCalls++;
            result = mmap.mmap(address, lengthBytes, protection, flags);
        }
        if (blockers != null) {
            for (final long blocker : blockers) {
                process.systemCalls++;
                mmap.munmap(blocker, lengthBytes);
            }
        }
        return result;
    }

    @Override
    public void unmap(final long address, final long lengthBytes) {
        unmap(null, address, lengthBytes);
    }

    @Override
    public synchronized void unmap(final Lease lease, final long address, final long lengthBytes) {
        ensureOpen();
        guard.require("munmap", address, lengthBytes, this, lease);
        process.systemCalls++;
        check("munmap", mmap.munmap(address, lengthBytes), lengthBytes, SyscallText.hex(address),
            Long.toString(lengthBytes));
        guard.unmapped(address, lengthBytes);
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        protect(null, address, lengthBytes, protection);
    }

    @Override
    public synchronized void protect(final Lease lease,
        final long address, final long lengthBytes, final Protection protection) {
        ensureOpen();
        guard.require("mprotect", address, lengthBytes, this, lease);
        process.systemCalls++;
        check("mprotect", mprotect.mprotect(address, lengthBytes, protection), lengthBytes,
            SyscallText.hex(address), Long.toString(lengthBytes), SyscallText.protection(protection));
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes,
        final int flags, final long newAddress) {
        return remap(null, oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
    }

    @Override
    public synchronized long remap(final Lease lease,
        final long oldAddress, final long oldLengthBytes, final long newLengthBytes,
        final int flags, final long newAddress) {
        ensureOpen();
        if (guard.growthHolder(oldAddress, oldLengthBytes, newLengthBytes, flags, lease) != null) {
            return guard.moveInsteadOfGrowing(this, lease, oldAddress, oldLengthBytes, newLengthBytes, flags);
        }
        guard.require("mremap", oldAddress, oldLengthBytes, this, lease);
        if ((flags & RemapFlags.FIXED) != 0) {
            guard.require("mremap", newAddress, newLengthBytes, this, lease);
        }
        process.systemCalls++;
        long result = mremap.mremap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
        if (result < 0) {
            guard.remapFailed(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress, this);
            throw failure("mremap", result, newLengthBytes, SyscallText.hex(oldAddress), Long.toString(oldLengthBytes),
                Long.toString(newLengthBytes), RemapFlags.describe(flags), SyscallText.hex(newAddress));
        }
        if ((flags & RemapFlags.FIXED) == 0 && result != oldAddress
            && guard.owned().heldByOther(result, guard.pageCeil(result + newLengthBytes), lease) != null) {
            result = outOfHeldHole(result, newLengthBytes, lease);
        }
        guard.remapped(oldAddress, oldLengthBytes, newLengthBytes, flags, result, lease);
        return result;
    }

    /**
     * A move the kernel placed in a hole another lease holds goes on to a place no lease holds
     * (see {@link #awayFromHolds}), as if the kernel had put it there; if that second move
     * fails, the memory stays where the kernel put it.
     */
    private long outOfHeldHole(final long result, final long newLengthBytes, final Lease lease) {
        final long place = map(lease, 0, newLengthBytes, Protection.NONE, MapFlags.NORESERVE);
        process.systemCalls++;
        final long moved = mremap.mremap(result, newLengthBytes, newLengthBytes, RemapFlags.MAYMOVE | RemapFlags.FIXED,
            place);
        if (moved < 0) {
            process.systemCalls++;
            mmap.munmap(place, newLengthBytes);
            guard.unmapped(place, newLengthBytes);
            return result;
        }
        return moved;
    }

    @Override
    public void lock(final long address, final long lengthBytes, final LockMode mode) {
        lock(null, address, lengthBytes, mode);
    }

    @Override
    public synchronized void lock(final Lease lease, final long address, final long lengthBytes, final LockMode mode) {
        ensureOpen();
        guard.require("mlock2", address, lengthBytes, this, lease);
        process.systemCalls++;
        check("mlock2", mlock.mlock(address, lengthBytes, mode == LockMode.ON_FAULT), lengthBytes,
            SyscallText.hex(address), Long.toString(lengthBytes), SyscallText.lockFlags(mode));
    }

    @Override
    public void unlock(final long address, final long lengthBytes) {
        unlock(null, address, lengthBytes);
    }

    @Override
    public synchronized void unlock(final Lease lease, final long address, final long lengthBytes) {
        ensureOpen();
        guard.require("munlock", address, lengthBytes, this, lease);
        process.systemCalls++;
        check("munlock", mlock.munlock(address, lengthBytes), lengthBytes, SyscallText.hex(address),
            Long.toString(lengthBytes));
    }

    @Override
    public void advise(final long address, final long lengthBytes, final Advice advice) {
        advise(null, address, lengthBytes, advice);
    }

    @Override
    public synchronized void advise(final Lease lease,
        final long address, final long lengthBytes, final Advice advice) {
        ensureOpen();
        guard.require("madvise", address, lengthBytes, this, lease);
        process.systemCalls++;
        check("madvise", madvise.madvise(address, lengthBytes, advice), lengthBytes, SyscallText.hex(address),
            Long.toString(lengthBytes), SyscallText.advice(advice));
    }

    @Override
    public synchronized List<Mapping> mappings(final long fromAddress, final long toAddress,
        final MappingSource source) {
        ensureOpen();
        if (source == MappingSource.PROCMAP_QUERY && !process.profile.procmapQuery()) {
            throw new UnsupportedOperationException("PROCMAP_QUERY is unavailable: "
                + capabilities.procmapQuery().reason());
        }
        final List<Mapping> mappings = new ArrayList<>();
        for (final Vma vma : process.vmas.intersecting(fromAddress, toAddress)) {
            if (source == MappingSource.SMAPS) {
                final long resident = process.pages.residentPages(vma.start, vma.end);
                mappings.add(Mapping.withDetails(vma.start, vma.end, vma.protection, vma.locked,
                    vma.lockOnFault && process.profile.lockOnFaultShown(),
                    vma.noReserve, resident, vma.locked ? resident : 0).withHugePages(vma.hugePage, vma.noHugePage, 0));
            } else {
                mappings.add(Mapping.of(vma.start, vma.end, vma.protection));
            }
        }
        return mappings;
    }

    /** Its own pages, clipped to the range: no smaps to read. The simulator does not model THP. */
    @Override
    public synchronized Residency residency(final long fromAddress, final long toAddress, final long[] within) {
        ensureOpen();
        Residency.checkWithin(fromAddress, toAddress, within);
        long withinPages = 0;
        for (int index = 0; index < within.length; index += 2) {
            withinPages += residentPages(within[index], within[index + 1]);
        }
        return new Residency(residentPages(fromAddress, toAddress) * process.pageSize, 0,
            withinPages * process.pageSize);
    }

    private long residentPages(final long fromAddress, final long toAddress) {
        long residentPages = 0;
        for (final Vma vma : process.vmas.intersecting(fromAddress, toAddress)) {
            residentPages += process.pages.residentPages(Math.max(fromAddress, vma.start), Math.min(toAddress, vma.end));
        }
        return residentPages;
    }

    @Override
    public synchronized void written(final long address, final long lengthBytes) {
        ensureOpen();
        if (lengthBytes > 0) {
            process.written(address & ~process.pageMask, guard.pageCeil(address + lengthBytes));
        }
    }

    @Override
    public synchronized void read(final long address, final long lengthBytes) {
        ensureOpen();
        if (lengthBytes > 0) {
            process.read(address & ~process.pageMask, guard.pageCeil(address + lengthBytes));
        }
    }

    @Override
    public boolean owns(final long address, final long lengthBytes) {
        return owns(null, address, lengthBytes);
    }

    @Override
    public synchronized boolean owns(final Lease lease, final long address, final long lengthBytes) {
        ensureOpen();
        return guard.owns(address, lengthBytes, this, lease);
    }

    @Override
    public synchronized void hold(final Lease lease, final long address, final long lengthBytes) {
        ensureOpen();
        guard.hold(lease, address, lengthBytes, this);
    }

    @Override
    public synchronized void unhold(final Lease lease, final long address, final long lengthBytes) {
        ensureOpen();
        guard.unhold(lease, address, lengthBytes);
    }

    @Override
    public AddressSpace actingFor(final Lease lease) {
        return new LeasedView(this, this, lease);
    }

    @Override
    public synchronized long lockedBytes() {
        ensureOpen();
        return process.lockedPages << process.pageShift;
    }

    /** The profile's memlock limit as soft and hard limit (the simulated process has one limit). */
    @Override
    public synchronized LockBudget lockBudget() {
        ensureOpen();
        return new LockBudget(lockedBytes(), process.profile.memlockBytes(), process.profile.memlockBytes(),
            process.profile.ipcLock());
    }

    @Override
    public long pageSize() {
        return process.pageSize;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    /**
     * A mapping someone else in the simulated process makes (malloc, a thread stack): mmap with
     * MAP_FIXED_NOREPLACE that bypasses this address space's bookkeeping and leases, as a
     * mapping made with libc directly does on Linux. This address space does not own it. For
     * tests of what callers do when the kernel places foreign memory in their holes.
     *
     * @throws VmException EEXIST when anything is mapped there, as the kernel would
     */
    public synchronized long mapForeign(final long address, final long lengthBytes, final Protection protection) {
        ensureOpen();
        process.systemCalls++;
        final long result = mmap.mmap(address, lengthBytes, protection, MapFlags.FIXED_NOREPLACE);
        if (result < 0) {
            throw failure("mmap", result, lengthBytes, SyscallText.hex(address), Long.toString(lengthBytes),
                SyscallText.protection(protection), SyscallText.mapFlags(MapFlags.FIXED_NOREPLACE), "-1", "0");
        }
        return result;
    }

    /** Unmaps a mapping made with {@link #mapForeign}: munmap past this address space's bookkeeping. */
    public synchronized void unmapForeign(final long address, final long lengthBytes) {
        ensureOpen();
        process.systemCalls++;
        check("munmap", mmap.munmap(address, lengthBytes), lengthBytes, SyscallText.hex(address),
            Long.toString(lengthBytes));
    }

    /** The VMAs the simulated process has, for tests and diagnostics: its whole map count. */
    public synchronized int vmaCount() {
        ensureOpen();
        return process.vmas.size();
    }

    /**
     * Frees the block. Every later call is refused: the simulated memory no longer exists.
     * Refused while any range is still held ({@link #hold}): an arena that still uses the block
     * would read and write freed memory. Closing twice does nothing.
     *
     * @throws IllegalStateException naming the holders (arenas) still open on it; nothing is
     *     freed then: close them first
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        final List<Lease> holders = guard.holders();
        if (!holders.isEmpty()) {
            throw new IllegalStateException("cannot close this simulated address space: it is still leased to "
                + holders.stream().map(Lease::holderName).collect(java.util.stream.Collectors.joining(", "))
                + ", whose memory lives in its block; close them first");
        }
        closed = true;
        process.memory.close();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this simulated address space was closed: its memory is freed; open a "
                + "new SimulatedAddressSpace");
        }
    }

    private void check(final String operation, final long result, final long lengthBytes,
        final String... arguments) {
        if (result < 0) {
            throw failure(operation, result, lengthBytes, arguments);
        }
    }

    private VmException failure(final String operation, final long negativeErrno, final long lengthBytes,
        final String... arguments) {
        final Errno errno = Errno.of((int)-negativeErrno);
        final LockBudget budget = new LockBudget(lockedBytes(), process.profile.memlockBytes(),
            process.profile.memlockBytes(), process.profile.ipcLock());
        return new VmException(operation, String.join(", ", arguments), errno,
            ErrnoHints.hint(operation, errno, lengthBytes, budget));
    }
}
