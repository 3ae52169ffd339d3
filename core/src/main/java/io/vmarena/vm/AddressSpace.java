package io.vmarena.vm;

import java.util.List;

/**
 * The one interface between the allocator and an operating system: Linux's memory-management
 * system calls, one to one, in bytes and absolute addresses. Lengths are passed through
 * unchanged, so the kernel's own rounding and checks apply; a failed call throws
 * {@link VmException} with the errno the kernel returned (the simulator returns the same errno
 * for the same arguments, see {@code kernel-semantics.md}).
 *
 * <h2>Safety</h2>
 * An address space only changes memory it handed out. A range the kernel placed for it (a
 * {@link #map} without {@link MapFlags#FIXED}, a {@link #remap} that let the kernel choose) is
 * a <em>placement</em>; the pages it maps inside its placements are its own. Holes it makes
 * inside a placement stay usable (to map into, or move into), but only after it has looked that
 * no one else's mapping was placed there (the kernel may place malloc's memory in any hole). A
 * placement ends when none of its pages is mapped. Any other range is refused with
 * {@link IllegalArgumentException} before the kernel sees it, so that no caller can unmap,
 * move or protect the JVM's own memory.
 *
 * <h2>Leases</h2>
 * A range of its own that one user must keep to itself (an arena's) is <em>held</em> under a
 * {@link Lease} ({@link #hold}). While held it stays this address space's own whether or not
 * its pages are mapped (it does not end with its last page, so a holder may move every page
 * out and back), and a call that would change any page of it (map with FIXED or
 * FIXED_NOREPLACE, unmap, protect, remap from or to it, lock, unlock, advise) is allowed only
 * through {@link #actingFor actingFor(lease)}; made any other way it is refused with an
 * {@link IllegalArgumentException} naming the holder. A move that the kernel places (remap
 * without FIXED) of a held range, made for its lease, holds the destination for the same lease.
 * Holds of different leases never merge, even where they touch: a caller's page right beside an
 * arena's range stays the caller's, and the arena's range the arena's. A mapping the kernel
 * places ({@link #map} without FIXED or FIXED_NOREPLACE, {@link #remap} without FIXED) is never
 * left in a hole another lease holds: the backend asks the kernel again, or moves the memory on,
 * and leaves the hole as it was; a remap that would grow in place into such a hole moves
 * instead (MAYMOVE) or is refused naming the holder. Reads
 * ({@link #mappings}) are never refused.
 *
 * <h2>Threads</h2>
 * Implementations are thread-safe; each call is as atomic as the system call it stands for.
 */
public interface AddressSpace {
    /**
     * {@code mmap(address, lengthBytes, protection, MAP_PRIVATE|MAP_ANONYMOUS|flags, -1, 0)}.
     *
     * @param address the exact address with {@link MapFlags#FIXED} or {@link MapFlags#FIXED_NOREPLACE},
     *     else a hint (0 for none)
     * @param flags {@link MapFlags} combined with {@code |}
     * @return the mapping's address
     * @throws VmException EINVAL (zero or unaligned), ENOMEM (no room, or map count above
     *     vm.max_map_count), EEXIST (FIXED_NOREPLACE over a mapping)
     */
    long map(long address, long lengthBytes, Protection protection, int flags);

    /**
     * Reserves address space without memory: {@code PROT_NONE} and {@code MAP_NORESERVE}.
     * Pages become usable when a later {@code map(..., FIXED)} or {@link #protect} commits them.
     */
    default long reserve(final long lengthBytes) {
        return map(0, lengthBytes, Protection.NONE, MapFlags.NORESERVE);
    }

    /**
     * {@code munmap(address, lengthBytes)}.
     *
     * @throws VmException EINVAL (unaligned, zero length, beyond the address space), ENOMEM
     *     (splitting a VMA would exceed vm.max_map_count)
     */
    void unmap(long address, long lengthBytes);

    /**
     * {@code mprotect(address, lengthBytes, protection)}.
     *
     * @throws VmException EINVAL (unaligned), ENOMEM (a hole in the range; the VMAs before it
     *     were already changed; or vm.max_map_count reached)
     */
    void protect(long address, long lengthBytes, Protection protection);

    /**
     * {@code mremap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress)}. May move
     * memory: every address into the old range is stale afterwards.
     *
     * @param flags {@link RemapFlags} combined with {@code |}
     * @param newAddress the destination with FIXED, the hint with DONTUNMAP, else ignored
     * @return where the memory now is
     * @throws VmException EINVAL (bad flags, unaligned, overlap, zero new length), EFAULT (no VMA
     *     at {@code oldAddress}, or the range crosses a VMA end where the kernel cannot move
     *     several), ENOMEM (cannot grow in place without MAYMOVE; map count), EAGAIN (growth of
     *     a locked VMA beyond RLIMIT_MEMLOCK), EPERM (sealed VMA)
     */
    long remap(long oldAddress, long oldLengthBytes, long newLengthBytes, int flags, long newAddress);

    /**
     * {@code mlock2(address, lengthBytes, mode == ON_FAULT ? MLOCK_ONFAULT : 0)}.
     *
     * @throws VmException EPERM (RLIMIT_MEMLOCK is 0 and no CAP_IPC_LOCK), ENOMEM (over the
     *     limit; a hole in the range, after locking the VMAs before it), EAGAIN (could not
     *     populate)
     */
    void lock(long address, long lengthBytes, LockMode mode);

    /**
     * {@code munlock(address, lengthBytes)}.
     *
     * @throws VmException ENOMEM (a hole in the range, after unlocking the VMAs before it)
     */
    void unlock(long address, long lengthBytes);

    /**
     * {@code madvise(address, lengthBytes, advice)}.
     *
     * @throws VmException EINVAL (unaligned; DONTNEED on a locked VMA; advice the kernel lacks),
     *     ENOMEM (a hole in the range, after advising every mapped part)
     */
    void advise(long address, long lengthBytes, Advice advice);

    /**
     * The VMAs that intersect {@code [fromAddress, toAddress)}, in address order, unclipped.
     * Reads any range, not only this address space's own. An empty range intersects nothing.
     *
     * @throws UnsupportedOperationException when {@code source} is PROCMAP_QUERY and the kernel
     *     lacks it
     */
    List<Mapping> mappings(long fromAddress, long toAddress, MappingSource source);

    /** {@link #mappings(long, long, MappingSource)} with {@link MappingSource#AUTO}. */
    default List<Mapping> mappings(final long fromAddress, final long toAddress) {
        return mappings(fromAddress, toAddress, MappingSource.AUTO);
    }

    /**
     * Whether a call that changes {@code [address, address + lengthBytes)} would be allowed:
     * every page is this address space's (see Safety).
     */
    boolean owns(long address, long lengthBytes);

    /**
     * Holds {@code [address, address + lengthBytes)} (page-rounded) for {@code lease} (see
     * Leases): it must be this address space's own now, mapped or a hole of its own, and held by
     * no other lease. Holding again what the lease holds already changes nothing.
     *
     * @throws IllegalArgumentException when the range is not this address space's, or another
     *     lease holds part of it; nothing is held then
     * @throws NullPointerException when {@code lease} is null: a hold needs a holder
     */
    void hold(Lease lease, long address, long lengthBytes);

    /**
     * Ends {@code lease}'s hold on {@code [address, address + lengthBytes)}; the parts it did
     * not hold are left alone. What is still mapped there is this address space's as any other
     * memory it mapped.
     */
    void unhold(Lease lease, long address, long lengthBytes);

    /**
     * This address space, acting for {@code lease}: its calls may change what the lease holds.
     *
     * @throws NullPointerException when {@code lease} is null (a plain call needs no view)
     */
    AddressSpace actingFor(Lease lease);

    /**
     * The bytes of {@code [fromAddress, toAddress)} that are in memory, for a caller that needs
     * only that figure: the default sums smaps' Rss of the VMAs there (whole VMAs); Linux asks
     * {@code mincore} for the range's mapped parts instead, which costs microseconds where reading
     * smaps costs milliseconds in a large process. mincore counts a page that a read mapped to the
     * shared zero page as resident; smaps does not.
     */
    default long residentBytes(final long fromAddress, final long toAddress) {
        long residentBytes = 0;
        for (final Mapping mapping : mappings(fromAddress, toAddress, MappingSource.SMAPS)) {
            residentBytes += mapping.residentPages() * pageSize();
        }
        return residentBytes;
    }

    /** {@link #residency(long, long, long[])} without sub-ranges. */
    default Residency residency(final long fromAddress, final long toAddress) {
        return residency(fromAddress, toAddress, new long[0]);
    }

    /**
     * The resident bytes of {@code [fromAddress, toAddress)}, the part of them mapped by
     * transparent huge pages, and the part of them inside {@code within}, as smaps counts them
     * ({@code Rss}, {@code AnonHugePages}: the shared zero page is not counted). Never refused,
     * whoever owns the range; a range with nothing mapped has none. The default sums smaps over
     * the VMAs that intersect the range (whole VMAs, and for {@code within} the VMAs that
     * intersect each sub-range), which costs a read of all of /proc/self/smaps per range
     * (milliseconds in a large process). Linux asks {@code PAGEMAP_SCAN} (6.7+) instead: one walk
     * of the range's page tables (10 to 25 ns per present entry: one per resident 4 KiB page, one per huge
     * page), whatever the process's other mappings; only where the kernel lacks it, mincore for
     * the resident bytes (which counts zero-page reads, see {@link #residentBytes}) and smaps for
     * the huge-page bytes where THP may be in effect.
     *
     * @param within sub-ranges of the range as {@code {start, end, start, end, ...}}, each
     *     non-empty, in address order and disjoint, inside the range, page-aligned
     * @throws IllegalArgumentException when {@code within} is not such pairs (see
     *     {@link Residency#checkWithin}), on every backend alike
     */
    default Residency residency(final long fromAddress, final long toAddress, final long[] within) {
        Residency.checkWithin(fromAddress, toAddress, within);
        long residentBytes = 0;
        long hugePageBytes = 0;
        for (final Mapping mapping : mappings(fromAddress, toAddress, MappingSource.SMAPS)) {
            residentBytes += mapping.residentPages() * pageSize();
            hugePageBytes += mapping.anonHugePageBytes();
        }
        long withinBytes = 0;
        for (int index = 0; index < within.length; index += 2) {
            for (final Mapping mapping : mappings(within[index], within[index + 1], MappingSource.SMAPS)) {
                withinBytes += mapping.residentPages() * pageSize();
            }
        }
        return new Residency(residentBytes, hugePageBytes, withinBytes);
    }

    /** The process's locked memory ({@code VmLck} of /proc/self/status), in bytes. */
    long lockedBytes();

    /**
     * The process's locked memory and its RLIMIT_MEMLOCK now: unlike {@link #capabilities()},
     * probed once, the limit is read again on each call (another process may change it with
     * {@code prlimit}). The default takes the limit from the capabilities; Linux asks
     * {@code getrlimit}, one system call, besides the read of VmLck.
     */
    default LockBudget lockBudget() {
        final Capabilities capabilities = capabilities();
        return new LockBudget(lockedBytes(), capabilities.memlockSoftBytes(), capabilities.memlockHardBytes(),
            capabilities.ipcLock().available());
    }

    /**
     * The memory the system could give this process now without swapping or reclaiming what is
     * in use ({@code MemAvailable} of /proc/meminfo), or {@link Long#MAX_VALUE} when unknown (the
     * default, and the simulator's). For callers about to make a lot of memory resident at once:
     * past it, the OOM killer may end the process.
     */
    default long availableMemoryBytes() {
        return Long.MAX_VALUE;
    }

    /** The OS page size in bytes: 4, 16 or 64 KiB. */
    long pageSize();

    /** What this address space can do and the limits it runs under, probed at start-up. */
    Capabilities capabilities();
}
