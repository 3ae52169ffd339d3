package io.vmarena.vm;

import java.util.List;

/**
 * The safety check every backend makes before a system call: is this range memory the
 * address space handed out? Wraps {@link OwnedRanges} with the kernel's rounding, refuses
 * ranges that reach beyond user space, and looks at the real VMAs when a range covers holes of
 * a lease.
 *
 * <p>Threads: the bookkeeping ({@link OwnedRanges}) is under its own short lock, and a backend
 * that lets calls run in parallel holds the call's range from before the check until after the
 * bookkeeping ({@link #enter}, {@link #leave}): a check and the call it allowed must not
 * interleave with another thread's change of the same pages (thread A finds R ours, B unmaps R,
 * the kernel hands R to someone else, A's call changes foreign memory). Calls on disjoint
 * ranges proceed at the same time. A call the kernel places (mmap without MAP_FIXED, mremap
 * without MREMAP_FIXED) holds its result only once the kernel returns it, for its bookkeeping:
 * until a thread that unmapped those pages has recorded it, the new owner's record would be
 * undone. Such a call may hold its source while it waits for its result; that cannot deadlock,
 * since the result was free when the kernel placed it, so no call that started earlier can be
 * holding it as a source of its own and waiting in turn.
 */
public final class RangeGuard {
    /** {@link #leave} ignores it: a call that holds no range. */
    public static final int NO_TICKET = 0;
    /**
     * How often a backend asks the kernel for another place when it placed a mapping in a hole
     * another lease holds (the kernel places top down, so such a hole is often its first
     * choice); each refused place stays mapped until the call ends, so the next try lands
     * elsewhere.
     */
    public static final int PLACEMENT_TRIES = 16;

    private final OwnedRanges owned = new OwnedRanges();
    private final RangeLocks inFlight = new RangeLocks();
    private final long pageSize;
    private final long pageMask;

    public RangeGuard(final long pageSize) {
        this.pageSize = pageSize;
        this.pageMask = pageSize - 1;
    }

    public OwnedRanges owned() {
        return owned;
    }

    /**
     * Holds the pages a call on {@code [address, address + lengthBytes)} may touch (at least
     * the page at {@code address}; all of them when the range wraps), waiting while another
     * call holds any of them.
     *
     * @return the ticket to {@link #leave} with once the call's bookkeeping is done
     */
    public int enter(final long address, final long lengthBytes) {
        return enter(address, lengthBytes, 0, 0);
    }

    /**
     * Holds two ranges at once (an mremap's source and fixed destination); a length of 0 for
     * the second holds nothing there.
     */
    public int enter(final long address, final long lengthBytes, final long otherAddress, final long otherLengthBytes) {
        final long otherStart = otherLengthBytes == 0 ? 0 : spanStart(otherAddress, otherLengthBytes);
        final long otherEnd = otherLengthBytes == 0 ? 0 : spanEnd(otherAddress, otherLengthBytes);
        return inFlight.acquire(NO_TICKET, spanStart(address, lengthBytes), spanEnd(address, lengthBytes), otherStart,
            otherEnd);
    }

    /**
     * Adds a range the kernel placed to what {@code ticket} holds ({@link #NO_TICKET}: a new
     * hold), waiting only for other calls' holds: the result of a MAYMOVE may lie where the
     * call's own source could have grown.
     */
    public int hold(final int ticket, final long address, final long lengthBytes) {
        return inFlight.acquire(ticket, spanStart(address, lengthBytes), spanEnd(address, lengthBytes), 0, 0);
    }

    /**
     * Gives up what {@code ticket} holds of its span at {@code address} beyond
     * {@code lengthBytes}: an mremap that moved keeps only its old range for its bookkeeping
     * (see {@link RangeLocks#narrow} for why it must, before it {@link #hold}s its result).
     */
    public void narrow(final int ticket, final long address, final long lengthBytes) {
        inFlight.narrow(ticket, spanStart(address, lengthBytes), spanEnd(address, lengthBytes));
    }

    /**
     * An mremap that would grow in place into a hole another lease holds: without MAYMOVE it is
     * refused, naming the holder; with it, the memory moves (MREMAP_FIXED) to a fresh placement
     * instead, as the kernel would move it if the pages after it were taken. Both backends call
     * it before they hold any range, with themselves as {@code calls}.
     */
    public long moveInsteadOfGrowing(final LeasedCalls calls, final Lease lease, final long oldAddress,
        final long oldLengthBytes, final long newLengthBytes, final int flags) {
        final long oldEnd = pageCeil(oldAddress + oldLengthBytes);
        if ((flags & RemapFlags.MAYMOVE) == 0) {
            requireNotHeld("mremap", oldEnd, pageCeil(oldAddress + newLengthBytes) - oldEnd, lease);
        }
        final long place = calls.map(lease, 0, newLengthBytes, Protection.NONE, MapFlags.NORESERVE);
        try {
            return calls.remap(lease, oldAddress, oldLengthBytes, newLengthBytes, flags | RemapFlags.FIXED, place);
        } catch (final RuntimeException failed) {
            try {
                calls.unmap(lease, place, newLengthBytes);
            } catch (final RuntimeException kept) {
                failed.addSuppressed(kept);
            }
            throw failed;
        }
    }

    /** Ends the hold {@link #enter} returned; {@link #NO_TICKET} does nothing. */
    public void leave(final int ticket) {
        if (ticket != NO_TICKET) {
            inFlight.release(ticket);
        }
    }

    /** The first address a call's span holds: its page, or the whole line for a range that wraps. */
    private long spanStart(final long address, final long lengthBytes) {
        return wraps(address, lengthBytes) ? Long.MIN_VALUE : address & ~pageMask;
    }

    /** The end of a call's span: whole pages, at least one, up to the line's end for a range that wraps. */
    private long spanEnd(final long address, final long lengthBytes) {
        if (wraps(address, lengthBytes)) {
            return Long.MAX_VALUE;
        }
        final long end = pageCeil(address + lengthBytes);
        return Math.max(end, (address & ~pageMask) + pageSize);
    }

    /** A span that is not a plain positive range: it takes the whole line, conservatively. */
    private boolean wraps(final long address, final long lengthBytes) {
        return address < 0 || lengthBytes < 0 || address + lengthBytes + pageMask < address;
    }

    public long pageCeil(final long address) {
        return (address + pageMask) & ~pageMask;
    }

    /**
     * Throws unless the pages of {@code [address, address + lengthBytes)} are ours. A length of
     * 0, or one that wraps past the top of the address space, reaches the kernel, which changes
     * nothing for it; mremap is the exception (a zero or wrapping old length duplicates a
     * shared mapping), so for it the page at {@code address} must be ours whatever the length.
     *
     * @param vmas where to read the VMAs when holes must be looked at
     * @throws IllegalArgumentException naming the call and what is wrong
     */
    public void require(final String operation, final long address, final long lengthBytes, final AddressSpace vmas) {
        require(operation, address, lengthBytes, vmas, null);
    }

    /**
     * {@link #require(String, long, long, AddressSpace)} for a call made for {@code acting} (null
     * for a plain call): ranges that lease holds are allowed, ranges another lease holds are not.
     */
    public void require(final String operation, final long address, final long lengthBytes, final AddressSpace vmas,
        final Lease acting) {
        final String problem = problem(operation, address, lengthBytes, vmas, acting);
        if (problem != null) {
            throw new IllegalArgumentException(operation + "(" + SyscallText.hex(address) + ", "
                + Long.toUnsignedString(lengthBytes) + ", ...): " + problem);
        }
    }

    /** Whether {@link #require} would pass for a call that changes the range. */
    public boolean owns(final long address, final long lengthBytes, final AddressSpace vmas) {
        return owns(address, lengthBytes, vmas, null);
    }

    /** Whether {@link #require} would pass for a call made for {@code acting} (null: a plain call). */
    public boolean owns(final long address, final long lengthBytes, final AddressSpace vmas, final Lease acting) {
        return problem("", address, lengthBytes, vmas, acting) == null;
    }

    /**
     * Throws when another lease than {@code acting} holds a page of the range: for
     * MAP_FIXED_NOREPLACE, which needs no ownership (the kernel never replaces a mapping) but
     * must not map into a hole someone holds.
     */
    public void requireNotHeld(final String operation, final long address, final long lengthBytes,
        final Lease acting) {
        final long start = address & ~pageMask;
        final long end = pageCeil(address + lengthBytes);
        if (lengthBytes > 0 && end > start && start >= 0) {
            final Lease holder = owned.heldByOther(start, end, acting);
            if (holder != null) {
                throw new IllegalArgumentException(operation + "(" + SyscallText.hex(address) + ", "
                    + Long.toUnsignedString(lengthBytes) + ", ...): " + heldMessage(holder));
            }
        }
    }

    /**
     * Holds the range for {@code lease}, after checking it is ours (mapped, or a hole with no
     * one else's VMA in it) and held by no other lease.
     *
     * @throws IllegalArgumentException saying why not; nothing is held then
     */
    public void hold(final Lease lease, final long address, final long lengthBytes, final AddressSpace vmas) {
        java.util.Objects.requireNonNull(lease, "lease: a hold needs a lease (a null one would stand for every "
            + "plain call)");
        final long start = address & ~pageMask;
        final long end = pageCeil(address + lengthBytes);
        if (lengthBytes <= 0 || end <= start || start < 0) {
            throw new IllegalArgumentException("hold(" + lease + ", " + SyscallText.hex(address) + ", "
                + Long.toUnsignedString(lengthBytes) + "): the range is empty or reaches beyond user space");
        }
        require("hold", start, end - start, vmas, lease);
        owned.hold(lease, start, end);
    }

    /** Ends {@code lease}'s hold on the (page-rounded) range. */
    public void unhold(final Lease lease, final long address, final long lengthBytes) {
        final long start = address & ~pageMask;
        final long end = pageCeil(address + lengthBytes);
        if (lengthBytes > 0 && end > start && start >= 0) {
            owned.unhold(lease, start, end);
        }
    }

    private static String heldMessage(final Lease holder) {
        return "the range is leased to " + holder + ": only its holder changes it (AddressSpace.actingFor its "
            + "lease); other calls over it are refused so that no one pulls memory from under it";
    }

    /**
     * The pages the kernel would touch, computed with the call's own rounding: mlock2 and
     * munlock add the address's offset in its page before rounding the length up (so an
     * unaligned address with a length that wraps still locks a page); every other call refuses
     * an unaligned address (EINVAL) and rounds the length up alone. A range that is empty or
     * wraps after rounding changes nothing; mremap is the exception (a zero old length
     * duplicates a shared mapping), so for it the page at the address must be ours regardless.
     */
    private String problem(final String operation, final long address, final long lengthBytes,
        final AddressSpace vmas, final Lease acting) {
        final long start = address & ~pageMask;
        final boolean lockCall = operation.equals("mlock2") || operation.equals("munlock");
        if (!lockCall && (address & pageMask) != 0 && !operation.equals("mremap")) {
            return null;
        }
        final long rounded = ((lockCall ? lengthBytes + (address & pageMask) : lengthBytes) + pageMask) & ~pageMask;
        final long end = start + rounded;
        final boolean nothing = rounded == 0 || Long.compareUnsigned(end, start) < 0;
        if (operation.equals("mremap") && (nothing || end - start < pageSize)) {
            return problemWith(start, start + pageSize, vmas, acting);
        }
        if (nothing) {
            return null;
        }
        if (start < 0 || end < 0) {
            return "the range reaches beyond user space";
        }
        return problemWith(start, end, vmas, acting);
    }

    private String problemWith(final long start, final long end, final AddressSpace vmas, final Lease acting) {
        final Lease holder = owned.heldByOther(start, end, acting);
        if (holder != null) {
            return heldMessage(holder);
        }
        switch (owned.coverage(start, end)) {
            case MAPPED:
                return null;
            case LEASED:
                final List<Mapping> found = vmas.mappings(start, end, MappingSource.AUTO);
                return owned.onlyOurs(found, start, end) ? null : "a mapping that is not this address space's has "
                    + "appeared in a hole of the range (the kernel placed someone else's memory there); nothing was "
                    + "changed";
            default:
                return "the range is not memory this address space mapped; it changes only memory obtained from "
                    + "map() or remap(), so that no call can unmap or move the JVM's own memory";
        }
    }

    /**
     * For an mremap that may grow in place (no FIXED, no DONTUNMAP, a larger new length): the
     * lease other than {@code acting} that holds any page it would grow into, or null. The
     * kernel grows into free pages, and a hole another lease holds is free to it.
     */
    public Lease growthHolder(final long oldAddress, final long oldLengthBytes, final long newLengthBytes,
        final int flags, final Lease acting) {
        if ((flags & (RemapFlags.FIXED | RemapFlags.DONTUNMAP)) != 0 || (oldAddress & pageMask) != 0
            || oldAddress < 0 || oldLengthBytes <= 0 || newLengthBytes <= oldLengthBytes) {
            return null;
        }
        final long oldEnd = pageCeil(oldAddress + oldLengthBytes);
        final long newEnd = pageCeil(oldAddress + newLengthBytes);
        if (oldEnd < oldAddress || newEnd <= oldEnd) {
            return null;
        }
        return owned.heldByOther(oldEnd, newEnd, acting);
    }

    /** Bookkeeping after a successful mmap. */
    public void mapped(final long result, final long lengthBytes, final int mapFlags) {
        final long end = pageCeil(result + lengthBytes);
        if ((mapFlags & MapFlags.FIXED) != 0) {
            owned.mappedFixed(result, end);
        } else {
            owned.placed(result, end);
        }
    }

    /** Bookkeeping after a successful munmap: exactly the pages the kernel freed. */
    public void unmapped(final long address, final long lengthBytes) {
        owned.unmapped(address, pageCeil(address + lengthBytes));
    }

    /**
     * Bookkeeping after an mremap that failed: a multi-VMA move may have moved some pieces
     * (kernel-semantics MV8), so the source and destination are read back from the kernel.
     */
    public void remapFailed(final long oldAddress, final long oldLengthBytes, final long newLengthBytes,
        final int flags, final long newAddress, final AddressSpace vmas) {
        if ((flags & RemapFlags.FIXED) == 0 || oldLengthBytes <= 0 || newLengthBytes <= 0) {
            return;
        }
        if ((flags & RemapFlags.DONTUNMAP) != 0) {
            // The source stays mapped; moved pieces' images are ours but we cannot tell which.
            return;
        }
        if ((oldAddress & pageMask) != 0 || (newAddress & pageMask) != 0 || oldLengthBytes != newLengthBytes) {
            // Refused before anything moved (unaligned), or a single-VMA resize, which is atomic.
            return;
        }
        final long length = pageCeil(oldLengthBytes);
        if (length > 0 && oldAddress + length > oldAddress && newAddress + length > newAddress) {
            owned.moveFailed(oldAddress, length, newAddress,
                vmas.mappings(oldAddress, oldAddress + length, MappingSource.AUTO));
        }
    }

    /** Bookkeeping after a successful mremap. */
    public void remapped(final long oldAddress, final long oldLengthBytes, final long newLengthBytes,
        final int flags, final long result) {
        remapped(oldAddress, oldLengthBytes, newLengthBytes, flags, result, null);
    }

    /**
     * Bookkeeping after a successful mremap made for {@code acting}: where the kernel placed or
     * grew a range that lease held, the lease holds the new pages too (a hold moves with its
     * memory; a FIXED destination was checked to be the lease's own already).
     */
    public void remapped(final long oldAddress, final long oldLengthBytes, final long newLengthBytes,
        final int flags, final long result, final Lease acting) {
        final long oldLength = pageCeil(oldLengthBytes);
        final long newLength = pageCeil(newLengthBytes);
        final boolean held = acting != null && oldLength > 0 && owned.holds(acting, oldAddress, oldAddress + oldLength);
        owned.remapped(oldAddress, oldLength, newLength, flags, result);
        if (held && (flags & RemapFlags.FIXED) == 0 && newLength > 0) {
            owned.hold(acting, result, result + newLength);
        }
    }

    /** The leases that still hold ranges, for an address space that must not close under them. */
    public java.util.List<Lease> holders() {
        return owned.holders();
    }
}
