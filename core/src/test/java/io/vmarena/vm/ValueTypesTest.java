package io.vmarena.vm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValueTypesTest {
    @Test
    void shouldParseAndPrintEveryProtectionAsProcMapsDoes() {
        for (final Protection protection : Protection.values()) {
            assertEquals(protection, Protection.ofSymbol(protection.symbol() + "p"));
            assertEquals(protection, Protection.ofBits(protection.bits()));
        }
        assertEquals(Protection.READ_WRITE, Protection.ofSymbol("rw-"));
        assertThrows(IllegalArgumentException.class, () -> Protection.ofSymbol("rw"));
        assertThrows(IllegalArgumentException.class, () -> Protection.ofSymbol("wr-"));
        assertThrows(IllegalArgumentException.class, () -> Protection.ofBits(8));
    }

    @Test
    void shouldMapErrnoNumbersBothWays() {
        assertEquals(Errno.EFAULT, Errno.of(14));
        assertEquals(Errno.EINVAL, Errno.of(22));
        assertEquals(Errno.UNKNOWN, Errno.of(200));
        assertEquals(Errno.UNKNOWN, Errno.of(0));
        for (final Errno errno : Errno.values()) {
            if (errno != Errno.UNKNOWN) {
                assertEquals(errno, Errno.of(errno.value()));
            }
        }
    }

    @Test
    void shouldWriteTheCallTheErrnoAndTheHintIntoTheMessage() {
        final VmException failure = new VmException("mlock2", "0x7f3a00000000, 2097152, MLOCK_ONFAULT", 1,
            "RLIMIT_MEMLOCK is 0 and the process lacks CAP_IPC_LOCK");

        assertEquals("mlock2(0x7f3a00000000, 2097152, MLOCK_ONFAULT): EPERM: RLIMIT_MEMLOCK is 0 and the process "
            + "lacks CAP_IPC_LOCK", failure.getMessage());
        assertEquals(Errno.EPERM, failure.errno());
        assertEquals("mlock2", failure.operation());
        assertEquals("mremap(0x1000): errno 200: unknown error",
            new VmException("mremap", "0x1000", 200, "").getMessage());
    }

    @Test
    void shouldExplainLockFailuresByTheBudget() {
        final LockBudget zero = new LockBudget(0, 0, 0, false);
        final LockBudget small = new LockBudget(4096, 65536, 65536, false);
        final LockBudget privileged = new LockBudget(0, 0, 0, true);

        assertEquals("RLIMIT_MEMLOCK is 0 and the process lacks CAP_IPC_LOCK (raise it with ulimit -l, "
            + "LimitMEMLOCK= or --ulimit memlock, or grant CAP_IPC_LOCK)", ErrnoHints.hint("mlock2", Errno.EPERM, 1,
            zero));
        assertTrue(ErrnoHints.hint("mlock2", Errno.ENOMEM, 1 << 20, small)
            .startsWith("locking 1048576 bytes on top of the 4096 bytes already locked passes RLIMIT_MEMLOCK "
                + "(soft 65536 bytes, hard 65536 bytes)"));
        assertTrue(ErrnoHints.hint("mlock2", Errno.ENOMEM, 4096, small).startsWith("the range is not fully mapped"));
        assertTrue(ErrnoHints.hint("mlock2", Errno.ENOMEM, 1 << 20, privileged)
            .startsWith("the range is not fully mapped"));
        assertTrue(small.exceededBy(65536));
        assertFalse(small.exceededBy(4096));
    }

    @Test
    void shouldDescribeRemapFlagsAsCWould() {
        assertEquals("0", RemapFlags.describe(0));
        assertEquals("MREMAP_MAYMOVE|MREMAP_FIXED", RemapFlags.describe(RemapFlags.MAYMOVE | RemapFlags.FIXED));
        assertEquals("MREMAP_DONTUNMAP|0x10", RemapFlags.describe(RemapFlags.DONTUNMAP | 0x10));
    }

    @Test
    void shouldRefuseUnknownOrContradictoryMapFlags() {
        MapFlags.validate(MapFlags.FIXED | MapFlags.NORESERVE);
        assertThrows(IllegalArgumentException.class, () -> MapFlags.validate(8));
        assertThrows(IllegalArgumentException.class, () -> MapFlags.validate(MapFlags.FIXED | MapFlags.FIXED_NOREPLACE));
    }

    @Test
    void shouldRefuseToAnswerDetailsThatWereNotRead() {
        final Mapping bounds = Mapping.of(0x1000, 0x3000, Protection.READ);

        assertThrows(IllegalStateException.class, bounds::locked);
        assertThrows(IllegalStateException.class, bounds::residentPages);
        assertEquals(Mapping.of(0x2000, 0x4000, Protection.READ), bounds.shiftedBy(0x1000));
        assertThrows(IllegalArgumentException.class, () -> Mapping.of(0x2000, 0x2000, Protection.READ));
        final Mapping detailed = Mapping.withDetails(0x1000, 0x3000, Protection.READ, true, true, false, 1, 1);
        assertEquals(bounds, detailed.withoutDetails());
        assertThrows(IllegalStateException.class, bounds::anonHugePageBytes);
        assertThrows(IllegalStateException.class, bounds::hugePage);
        assertThrows(IllegalStateException.class, () -> bounds.withHugePages(true, false, 0));
    }

    @Test
    void shouldCarryHugePageDetailsThroughAShift() {
        final Mapping plain = Mapping.withDetails(0x200000, 0x600000, Protection.READ_WRITE, false, false, true, 1024,
            0);
        final Mapping huge = plain.withHugePages(true, false, 2L << 20);

        assertFalse(plain.hugePage());
        assertEquals(0, plain.anonHugePageBytes());
        assertNotEquals(plain, huge, "the huge-page details are part of the value");
        assertEquals(huge.withHugePages(true, false, 2L << 20).shiftedBy(0x200000).shiftedBy(-0x200000), huge);
        assertTrue(huge.hugePage());
        assertFalse(huge.noHugePage());
        assertEquals(2L << 20, huge.shiftedBy(0x200000).anonHugePageBytes());
        assertTrue(huge.toString().contains("hugepage anonHugePageBytes=2097152"), huge::toString);
        assertEquals(plain.withoutDetails(), huge.withoutDetails());
    }

    @Test
    void shouldDerivePudBytesFromThePageSize() {
        assertEquals(1L << 30, capabilities(4096, 2L << 20).pudBytes());
        assertEquals(64L << 30, capabilities(16384, 32L << 20).pudBytes());
        assertEquals(4L << 40, capabilities(65536, 512L << 20).pudBytes());
        assertThrows(IllegalArgumentException.class, () -> capabilities(4000, 2L << 20));
    }

    @Test
    void shouldRequireAReasonForEveryFeature() {
        assertThrows(IllegalArgumentException.class, () -> Feature.absent(" "));
    }

    static Capabilities capabilities(final long pageSize, final long pmdBytes) {
        final Feature yes = Feature.present("test");
        return Capabilities.builder().backend("test").multiVmaMove(yes).lockOnFault(yes).procmapQuery(yes)
            .ipcLock(yes).pageSize(pageSize).pmdBytes(pmdBytes).thpMode("madvise").maxMapCount(65530)
            .kernelRelease("test").architecture("test").zeroPage(yes).trait(KernelTrait.DONTUNMAP_SETTLES, yes).build();
    }
}
