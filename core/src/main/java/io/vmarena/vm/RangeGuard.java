package io.vmarena.vm;

import java.util.List;

/**
 * The safety check every backend makes before a system call: is this range memory the
 * address space handed out? Wraps {@link OwnedRanges} with the kernel's rounding, refuses
 * ranges that reach beyond user space, and looks at the real VMAs when a range covers holes of
 * a lease. Not thread-safe: the backend holds one lock across check, call and bookkeeping.
 */
public final class RangeGuard {
    private final OwnedRanges owned = new OwnedRanges();
    private final long pageSize;
    private final long pageMask;

    public RangeGuard(final long pageSize) {
        this.pageSize = pageSize;
        this.pageMask = pageSize - 1;
    }

    public OwnedRanges owned() {
        return owned;
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
        final String problem = problem(operation, address, lengthBytes, vmas);
        if (problem != null) {
            throw new IllegalArgumentException(operation + "(" + SyscallText.hex(address) + ", "
                + Long.toUnsignedString(lengthBytes) + ", ...): " + problem);
        }
    }

    /** Whether {@link #require} would pass for a call that changes the range. */
    public boolean owns(final long address, final long lengthBytes, final AddressSpace vmas) {
        return problem("", address, lengthBytes, vmas) == null;
    }

    private String problem(final String operation, final long address, final long lengthBytes,
        final AddressSpace vmas) {
        final long start = address & ~pageMask;
        final long end = address + lengthBytes;
        final long roundedEnd = end + pageMask;
        final boolean wraps = Long.compareUnsigned(end, address) < 0 || Long.compareUnsigned(roundedEnd, end) < 0;
        if (operation.equals("mremap") && (lengthBytes == 0 || wraps || (roundedEnd & ~pageMask) == start)) {
            return problemWith(start, start + pageSize, vmas);
        }
        if (lengthBytes == 0 || wraps) {
            return null;
        }
        final long pageEnd = roundedEnd & ~pageMask;
        if (start < 0 || pageEnd < 0) {
            return "the range reaches beyond user space";
        }
        return problemWith(start, pageEnd, vmas);
    }

    private String problemWith(final long start, final long end, final AddressSpace vmas) {
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
        final long oldStart = oldAddress & ~pageMask;
        final long newStart = newAddress & ~pageMask;
        final long oldEnd = pageCeil(oldAddress + oldLengthBytes);
        final long newEnd = pageCeil(newAddress + newLengthBytes);
        if (oldEnd > oldStart && newEnd > newStart && oldStart >= 0 && newStart >= 0) {
            owned.resync(oldStart, oldEnd, vmas.mappings(oldStart, oldEnd, MappingSource.AUTO));
            owned.resync(newStart, newEnd, vmas.mappings(newStart, newEnd, MappingSource.AUTO));
        }
    }

    /** Bookkeeping after a successful mremap. */
    public void remapped(final long oldAddress, final long oldLengthBytes, final long newLengthBytes,
        final int flags, final long result) {
        owned.remapped(oldAddress, pageCeil(oldLengthBytes), pageCeil(newLengthBytes), flags, result);
    }
}
