package io.vmarena.linux;

import io.vmarena.vm.Advice;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Feature;
import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.Residency;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code residency} (PAGEMAP_SCAN over the range) agrees with smaps' Rss and AnonHugePages, and
 * so does the fallback for kernels without it (mincore, and smaps for huge pages), except where
 * the fallback's Javadoc says it differs: a read mapped to the zero page.
 */
class ResidencyTest {
    private final LinuxAddressSpace space = (LinuxAddressSpace)new LinuxAddressSpaceProvider().open();
    /** One for the class: each backend holds a PROCMAP_QUERY fd for good. */
    private static final LinuxAddressSpace FALLBACK = new LinuxAddressSpace(
        withoutPagemapScan(new LinuxAddressSpaceProvider().open().capabilities()));
    private final LinuxAddressSpace fallback = FALLBACK;
    private final long page = space.pageSize();

    @Test
    void shouldCountWrittenPagesAsSmapsDoesAcrossHolesAndProtections() {
        assumeTrue(space.capabilities().pagemapScan().available(), space.capabilities().pagemapScan().reason());
        // PROT_NONE guard pages on both sides, so the VMAs cannot merge with a neighbour.
        final long guarded = space.map(0, 18 * page, Protection.NONE, MapFlags.NORESERVE);
        final long base = space.map(guarded + page, 16 * page, Protection.READ_WRITE, MapFlags.FIXED);
        try {
            final UnsafeBuffer view = new UnsafeBuffer(base, (int)(16 * page));
            for (final int written : new int[] {0, 1, 2, 9, 10, 15}) {
                view.putByte((int)(written * page), (byte)1);
            }
            space.unmap(base + 4 * page, 2 * page); // a hole: pages 4 and 5
            space.protect(base + 8 * page, 4 * page, Protection.NONE); // pages 8 to 11, 9 and 10 written
            assertEquals(6 * page, smaps(base, base + 16 * page).residentBytes(), "smaps: the six written pages");
            for (final LinuxAddressSpace reader : new LinuxAddressSpace[] {space, fallback}) {
                assertEquals(new Residency(6 * page, 0), reader.residency(base, base + 16 * page));
                assertEquals(new Residency(3 * page, 0), reader.residency(base, base + 4 * page), "the range's only");
                assertEquals(new Residency(2 * page, 0), reader.residency(base + 8 * page, base + 12 * page),
                    "PROT_NONE pages keep theirs");
                assertEquals(Residency.NONE, reader.residency(base + 4 * page, base + 6 * page), "a hole has none");
                final long[] within = {base + page, base + 3 * page, base + 6 * page, base + 7 * page,
                    base + 9 * page, base + 16 * page};
                assertEquals(new Residency(6 * page, 0, 5 * page), reader.residency(base, base + 16 * page, within),
                    "pages 1 and 2, none of 6, and 9, 10 and 15 are within");
            }
        } finally {
            space.unmap(guarded, 18 * page);
        }
    }

    /** A read of an untouched page maps the shared zero page where the kernel does: smaps does not count it. */
    @Test
    void shouldNotCountZeroPageReadsAsSmapsDoesNotWhereTheKernelMapsTheZeroPage() {
        assumeTrue(space.capabilities().pagemapScan().available(), space.capabilities().pagemapScan().reason());
        assumeTrue(space.capabilities().has(KernelTrait.ZERO_PAGE), space.capabilities().zeroPage().reason());
        final long guarded = space.map(0, 10 * page, Protection.NONE, MapFlags.NORESERVE);
        final long base = space.map(guarded + page, 8 * page, Protection.READ_WRITE, MapFlags.FIXED);
        try {
            final UnsafeBuffer view = new UnsafeBuffer(base, (int)(8 * page));
            for (int read = 0; read < 4; read++) {
                assertEquals(0, view.getByte((int)(read * page)));
            }
            view.putByte((int)(6 * page), (byte)1);
            assertEquals(page, smaps(base, base + 8 * page).residentBytes(), "smaps: the written page only");
            assertEquals(new Residency(page, 0), space.residency(base, base + 8 * page));
            assertEquals(5 * page, fallback.residency(base, base + 8 * page).residentBytes(),
                "mincore counts the four zero-page reads, as the fallback's Javadoc says");
        } finally {
            space.unmap(guarded, 10 * page);
        }
    }

    /**
     * Three PMD-aligned huge-page stretches with MADV_HUGEPAGE: the first written (a huge page
     * where the kernel finds one), the second read (the huge zero page where the kernel maps it),
     * the third written in one page after MADV_NOHUGEPAGE (small pages). Both readers agree with
     * smaps' Rss and AnonHugePages, whatever the kernel chose.
     */
    @Test
    void shouldCountTransparentHugePagesAsSmapsAnonHugePages() {
        assumeTrue(space.capabilities().pagemapScan().available(), space.capabilities().pagemapScan().reason());
        final String thp = space.capabilities().thpMode();
        assumeTrue(thp.equals("always") || thp.equals("madvise"), "transparent huge pages are " + thp);
        final long pmd = space.capabilities().pmdBytes();
        final long raw = space.map(0, 5 * pmd, Protection.NONE, MapFlags.NORESERVE);
        final long base = (raw + pmd - 1) & -pmd;
        try {
            space.protect(base, 3 * pmd, Protection.READ_WRITE);
            space.advise(base, 2 * pmd, Advice.HUGEPAGE);
            space.advise(base + 2 * pmd, pmd, Advice.NOHUGEPAGE);
            final UnsafeBuffer first = new UnsafeBuffer(base, (int)pmd);
            first.setMemory(0, (int)pmd, (byte)7);
            assertEquals(0, new UnsafeBuffer(base + pmd, (int)pmd).getByte(0));
            new UnsafeBuffer(base + 2 * pmd, (int)pmd).putByte(0, (byte)1);
            final Residency smaps = smaps(base, base + 3 * pmd);
            assumeTrue(smaps.hugePageBytes() > 0, "the kernel found no huge page for the written stretch: " + smaps);
            assertEquals(smaps, space.residency(base, base + 3 * pmd));
            assertEquals(pmd, space.residency(base, base + 3 * pmd).hugePageBytes());
            assertEquals(smaps.hugePageBytes(), fallback.residency(base, base + 3 * pmd).hugePageBytes());
        } finally {
            space.unmap(raw, 5 * pmd);
        }
    }

    @Test
    void shouldRefuseSubRangesThatAreNotPairs() {
        final IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> space.residency(0, page, new long[] {0}));
        assertEquals("within must hold {start, end} pairs, got 1 values", refused.getMessage());
    }

    /** Rss and AnonHugePages of the VMAs in the range, as smaps reports them. */
    private Residency smaps(final long fromAddress, final long toAddress) {
        long residentBytes = 0;
        long hugePageBytes = 0;
        for (final Mapping mapping : space.mappings(fromAddress, toAddress, MappingSource.SMAPS)) {
            residentBytes += mapping.residentPages() * page;
            hugePageBytes += mapping.anonHugePageBytes();
        }
        return new Residency(residentBytes, hugePageBytes);
    }

    /** This kernel's capabilities as a kernel before 6.7 would show them. */
    static Capabilities withoutPagemapScan(final Capabilities caps) {
        final Capabilities.Builder builder = Capabilities.builder().backend(caps.backend())
            .multiVmaMove(caps.multiVmaMove()).lockOnFault(caps.lockOnFault()).procmapQuery(caps.procmapQuery())
            .pagemapScan(Feature.absent("hidden by the test: a kernel before 6.7")).ipcLock(caps.ipcLock())
            .pageSize(caps.pageSize()).pmdBytes(caps.pmdBytes()).thpMode(caps.thpMode()).thpDefrag(caps.thpDefrag())
            .memlock(caps.memlockSoftBytes(), caps.memlockHardBytes()).maxMapCount(caps.maxMapCount())
            .kernelRelease(caps.kernelRelease()).architecture(caps.architecture());
        for (final KernelTrait trait : KernelTrait.values()) {
            builder.trait(trait, caps.trait(trait));
        }
        return builder.build();
    }
}
