package io.vmarena.linux;

import com.sun.jna.LastErrorException;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.Errno;
import io.vmarena.vm.Mapping;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The raw bindings reach the kernel with every argument where C would put it. */
class LibCTest {
    private static final int PROT_READ_WRITE = 3;
    private long pageSize;
    private long scratch;

    @BeforeEach
    void reserve() {
        pageSize = LibC.sysconf(LibC.SC_PAGESIZE);
        scratch = LibC.mmap(0, 4 * pageSize, LibC.PROT_NONE,
            LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
    }

    @AfterEach
    void release() {
        LibC.munmap(scratch, 4 * pageSize);
    }

    @Test
    void shouldReportAPowerOfTwoPageSize() {
        assertTrue(pageSize >= 4096 && Long.bitCount(pageSize) == 1, "page size " + pageSize);
    }

    @Test
    void shouldPassTheFifthArgumentOfVariadicMremapAsTheNewAddress() {
        LibC.mprotect(scratch, pageSize, PROT_READ_WRITE);
        new UnsafeBuffer(scratch, 1).putByte(0, (byte)42);

        final long moved = LibC.mremap(scratch, pageSize, pageSize, 3, scratch + 2 * pageSize);

        assertEquals(scratch + 2 * pageSize, moved);
        assertEquals(42, new UnsafeBuffer(moved, 1).getByte(0));
    }

    @Test
    void shouldRefuseUnknownMlock2FlagsWithEinvalThroughLibcAndTheRawSyscall() {
        LibC.mprotect(scratch, pageSize, PROT_READ_WRITE);

        assertEquals(Errno.EINVAL.value(), assertThrows(LastErrorException.class,
            () -> Mlock2.mlock2(scratch, pageSize, 2)).getErrorCode());
        assertEquals(Errno.EINVAL.value(), assertThrows(LastErrorException.class,
            () -> Mlock2.syscall(scratch, pageSize, 2)).getErrorCode());
    }

    @Test
    void shouldLockOnFaultThroughTheRawSyscallNumberOfThisArchitecture() {
        LibC.mprotect(scratch, pageSize, PROT_READ_WRITE);

        Mlock2.syscall(scratch, pageSize, LibC.MLOCK_ONFAULT);
        try {
            final List<Mapping> vmas = ProcMaps.parseSmaps(ProcFiles.read("/proc/self/smaps"), scratch,
                scratch + pageSize, pageSize);
            assertEquals(1, vmas.size());
            // Locked, and on fault: the untouched page was not populated (6.1's smaps shows no lf).
            assertTrue(vmas.get(0).locked(), vmas.toString());
            assertEquals(0, vmas.get(0).residentPages(), vmas.toString());
            assertEquals(AddressSpaces.open("linux").capabilities().lockOnFaultShown().available(),
                vmas.get(0).lockOnFault(), vmas.toString());
        } finally {
            LibC.munlock(scratch, pageSize);
        }
    }

    @Test
    void shouldKnowTheMlock2NumberOfEverySupportedArchitecture() {
        assertEquals(325, SyscallNumbers.mlock2("amd64"));
        assertEquals(284, SyscallNumbers.mlock2("aarch64"));
        assertThrows(UnsupportedOperationException.class, () -> SyscallNumbers.mlock2("arm"));
    }

    @Test
    void shouldEncodeProcmapQueryAsIowrOfTheStruct() {
        assertEquals(0xC0686611L, ProcmapQuery.PROCMAP_QUERY);
    }
}
