package io.vmarena.linux;

import com.sun.jna.LastErrorException;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Errno;
import io.vmarena.vm.ErrnoHints;
import io.vmarena.vm.LockBudget;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.VmException;

import java.util.List;

/**
 * The process's real address space: each method is one system call through {@link LibC},
 * with the kernel's errno turned into a {@link VmException} that says what to change. Before
 * the call it checks that the range is one this address space handed out ({@link OwnedRanges}),
 * so no caller can unmap or move the JVM's own memory. Success paths build no strings.
 */
final class LinuxAddressSpace implements AddressSpace {
    private final Capabilities capabilities;
    private final long pageSize;
    private final long pageMask;
    private final OwnedRanges owned = new OwnedRanges();
    private final ProcmapQuery procmapQuery;

    LinuxAddressSpace(final Capabilities capabilities) {
        this.capabilities = capabilities;
        this.pageSize = capabilities.pageSize();
        this.pageMask = pageSize - 1;
        this.procmapQuery = capabilities.procmapQuery().available() ? new ProcmapQuery() : null;
    }

    @Override
    public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
        MapFlags.validate(flags);
        final boolean fixed = (flags & MapFlags.FIXED) != 0;
        if (fixed) {
            requireOwned("mmap", address, lengthBytes);
        }
        final int nativeFlags = LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS
            | (fixed ? LibC.MAP_FIXED : 0)
            | ((flags & MapFlags.NORESERVE) != 0 ? LibC.MAP_NORESERVE : 0)
            | ((flags & MapFlags.FIXED_NOREPLACE) != 0 ? LibC.MAP_FIXED_NOREPLACE : 0);
        final long result;
        try {
            result = LibC.mmap(address, lengthBytes, protection.bits(), nativeFlags, -1, 0);
        } catch (final LastErrorException e) {
            throw failure("mmap", e, lengthBytes, hex(address), Long.toString(lengthBytes), protName(protection),
                mapFlagNames(nativeFlags), "-1", "0");
        }
        if (!fixed) {
            owned.claim(result, pageCeil(result + lengthBytes));
        }
        return result;
    }

    @Override
    public void unmap(final long address, final long lengthBytes) {
        requireOwned("munmap", address, lengthBytes);
        try {
            LibC.munmap(address, lengthBytes);
        } catch (final LastErrorException e) {
            throw failure("munmap", e, lengthBytes, hex(address), Long.toString(lengthBytes));
        }
        owned.releaseWithin(address, address + lengthBytes);
    }

    @Override
    public void protect(final long address, final long lengthBytes, final Protection protection) {
        requireOwned("mprotect", address, lengthBytes);
        try {
            LibC.mprotect(address, lengthBytes, protection.bits());
        } catch (final LastErrorException e) {
            throw failure("mprotect", e, lengthBytes, hex(address), Long.toString(lengthBytes), protName(protection));
        }
    }

    @Override
    public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
        final long newAddress) {
        requireOwned("mremap", oldAddress, oldLengthBytes);
        final boolean fixed = (flags & RemapFlags.FIXED) != 0;
        if (fixed) {
            requireOwned("mremap", newAddress, newLengthBytes);
        }
        final long result;
        try {
            result = LibC.mremap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
        } catch (final LastErrorException e) {
            throw failure("mremap", e, newLengthBytes, hex(oldAddress), Long.toString(oldLengthBytes),
                Long.toString(newLengthBytes), RemapFlags.describe(flags), hex(newAddress));
        }
        if (result != oldAddress) {
            if (!fixed) {
                owned.claim(result, pageCeil(result + newLengthBytes));
            }
            if ((flags & RemapFlags.DONTUNMAP) == 0) {
                owned.releaseWithin(oldAddress, pageCeil(oldAddress + oldLengthBytes));
            }
        } else if (newLengthBytes > oldLengthBytes) {
            owned.claim(pageCeil(oldAddress + oldLengthBytes), pageCeil(oldAddress + newLengthBytes));
        }
        return result;
    }

    @Override
    public void lock(final long address, final long lengthBytes, final LockMode mode) {
        requireOwned("mlock2", address, lengthBytes);
        final int flags = mode == LockMode.ON_FAULT ? LibC.MLOCK_ONFAULT : 0;
        try {
            Mlock2.mlock2(address, lengthBytes, flags);
        } catch (final LastErrorException e) {
            throw failure("mlock2", e, lengthBytes, hex(address), Long.toString(lengthBytes),
                flags == 0 ? "0" : "MLOCK_ONFAULT");
        }
    }

    @Override
    public void unlock(final long address, final long lengthBytes) {
        requireOwned("munlock", address, lengthBytes);
        try {
            LibC.munlock(address, lengthBytes);
        } catch (final LastErrorException e) {
            throw failure("munlock", e, lengthBytes, hex(address), Long.toString(lengthBytes));
        }
    }

    @Override
    public void advise(final long address, final long lengthBytes, final Advice advice) {
        requireOwned("madvise", address, lengthBytes);
        try {
            LibC.madvise(address, lengthBytes, adviceValue(advice));
        } catch (final LastErrorException e) {
            throw failure("madvise", e, lengthBytes, hex(address), Long.toString(lengthBytes), "MADV_" + advice.name());
        }
    }

    @Override
    public List<Mapping> mappings(final long fromAddress, final long toAddress, final MappingSource source) {
        switch (source) {
            case AUTO:
                return procmapQuery != null ? queryMappings(fromAddress, toAddress)
                    : ProcMaps.parseMaps(ProcFiles.read("/proc/self/maps"), fromAddress, toAddress);
            case PROCMAP_QUERY:
                if (procmapQuery == null) {
                    throw new UnsupportedOperationException("PROCMAP_QUERY is unavailable: "
                        + capabilities.procmapQuery().reason());
                }
                return queryMappings(fromAddress, toAddress);
            case PROC_MAPS:
                return ProcMaps.parseMaps(ProcFiles.read("/proc/self/maps"), fromAddress, toAddress);
            case SMAPS:
                return ProcMaps.parseSmaps(ProcFiles.read("/proc/self/smaps"), fromAddress, toAddress, pageSize);
            default:
                throw new IllegalArgumentException("unknown mapping source " + source);
        }
    }

    private List<Mapping> queryMappings(final long fromAddress, final long toAddress) {
        try {
            return procmapQuery.mappings(fromAddress, toAddress);
        } catch (final LastErrorException e) {
            throw new VmException("ioctl", "/proc/self/maps, PROCMAP_QUERY, 0x" + Long.toHexString(fromAddress),
                e.getErrorCode(), "the PROCMAP_QUERY ioctl failed; MappingSource.PROC_MAPS still works");
        }
    }

    @Override
    public long lockedBytes() {
        final String vmLck = ProcFiles.field(ProcFiles.read("/proc/self/status"), "VmLck");
        return vmLck == null ? 0 : ProcFiles.kilobytes(vmLck);
    }

    @Override
    public long pageSize() {
        return pageSize;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    /**
     * Refuses ranges this address space did not hand out. A length of 0, or one that wraps past
     * the top of the address space, reaches the kernel, which changes nothing for it.
     */
    private void requireOwned(final String operation, final long address, final long lengthBytes) {
        if (lengthBytes == 0) {
            return;
        }
        final long end = address + lengthBytes;
        final long roundedEnd = end + pageMask;
        if (Long.compareUnsigned(end, address) < 0 || Long.compareUnsigned(roundedEnd, end) < 0) {
            return;
        }
        if (!owned.covers(address & ~pageMask, roundedEnd & ~pageMask)) {
            throw new IllegalArgumentException(operation + "(" + hex(address) + ", " + Long.toUnsignedString(lengthBytes)
                + ", ...): the range is not memory this address space mapped; it changes only ranges obtained from "
                + "map() or remap(), so that no call can unmap or move the JVM's own memory");
        }
    }

    private long pageCeil(final long address) {
        return (address + pageMask) & ~pageMask;
    }

    private VmException failure(final String operation, final LastErrorException e, final long lengthBytes,
        final String... arguments) {
        final Errno errno = Errno.of(e.getErrorCode());
        final LockBudget budget = operation.equals("mlock2") || operation.equals("mremap") ? lockBudget() : null;
        return new VmException(operation, String.join(", ", arguments), e.getErrorCode(),
            ErrnoHints.hint(operation, errno, lengthBytes, budget));
    }

    /** Read afresh at failure time: limits may have changed since start-up (prlimit). */
    private LockBudget lockBudget() {
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
        return "0x" + Long.toHexString(address);
    }

    private static String protName(final Protection protection) {
        if (protection == Protection.NONE) {
            return "PROT_NONE";
        }
        final StringBuilder text = new StringBuilder();
        if (protection.canRead()) {
            text.append("PROT_READ");
        }
        if ((protection.bits() & 2) != 0) {
            text.append(text.length() == 0 ? "" : "|").append("PROT_WRITE");
        }
        if ((protection.bits() & 4) != 0) {
            text.append(text.length() == 0 ? "" : "|").append("PROT_EXEC");
        }
        return text.toString();
    }

    private static String mapFlagNames(final int nativeFlags) {
        return "MAP_PRIVATE|MAP_ANONYMOUS"
            + ((nativeFlags & LibC.MAP_FIXED) != 0 ? "|MAP_FIXED" : "")
            + ((nativeFlags & LibC.MAP_NORESERVE) != 0 ? "|MAP_NORESERVE" : "")
            + ((nativeFlags & LibC.MAP_FIXED_NOREPLACE) != 0 ? "|MAP_FIXED_NOREPLACE" : "");
    }
}
