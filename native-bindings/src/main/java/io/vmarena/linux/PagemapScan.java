package io.vmarena.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.vmarena.vm.Residency;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A range's resident pages with the {@code PAGEMAP_SCAN} ioctl on an fd of
 * {@code /proc/self/pagemap} (Linux 6.7+): the kernel walks the range's page tables alone and
 * returns runs of pages, so a gigabyte in memory is a handful of runs, where smaps walks every
 * VMA of the process. The argument ({@code struct pm_scan_arg}) and each returned run
 * ({@code struct page_region}):
 * <pre>
 *  0 size    8 flags   16 start   24 end   32 walk_end   40 vec   48 vec_len   56 max_pages
 * 64 category_inverted   72 category_mask   80 category_anyof_mask   88 return_mask   (96 bytes)
 * page_region: 0 start   8 end   16 categories   (24 bytes)
 * </pre>
 * It asks for pages that are present and not the zero page ({@code PAGE_IS_PFNZERO} inverted):
 * what smaps counts as {@code Rss}. Each run says whether it is {@code PAGE_IS_HUGE} (a PMD
 * mapped by a transparent huge page: what smaps counts as {@code AnonHugePages}). When the
 * run vector fills, the kernel stops at {@code walk_end} and the scan goes on from there.
 * One instance holds one fd and its buffers; calls are serialised.
 */
final class PagemapScan implements AutoCloseable {
    static final int ARG_BYTES = 96;
    static final int REGION_BYTES = 24;
    /** {@code _IOWR('f', 16, struct pm_scan_arg)}. */
    static final long PAGEMAP_SCAN = (3L << 30) | ((long)ARG_BYTES << 16) | ('f' << 8) | 16;
    static final long PAGE_IS_PRESENT = 1 << 3;
    static final long PAGE_IS_PFNZERO = 1 << 5;
    static final long PAGE_IS_HUGE = 1 << 6;
    /** Runs per call: 6 KiB of vector; a range with more runs takes more calls. */
    private static final int REGIONS = 256;

    private final int fd;
    private final Memory arg = new Memory(ARG_BYTES);
    private final UnsafeBuffer args = new UnsafeBuffer(Pointer.nativeValue(arg), ARG_BYTES);
    private final Memory vector = new Memory((long)REGIONS * REGION_BYTES);
    private final UnsafeBuffer regions = new UnsafeBuffer(Pointer.nativeValue(vector), REGIONS * REGION_BYTES);

    /** @throws LastErrorException when /proc/self/pagemap cannot be opened */
    PagemapScan() {
        fd = LibC.open("/proc/self/pagemap", LibC.O_RDONLY | LibC.O_CLOEXEC);
    }

    /**
     * The resident and huge-page bytes of {@code [fromAddress, toAddress)} (page-aligned), and
     * the resident bytes inside {@code within} ({start, end} pairs in address order), from one
     * walk: the kernel returns runs in address order, each intersected with the sub-ranges as
     * it comes. Holes and PROT_NONE pages count nothing.
     *
     * @throws LastErrorException ENOTTY or EINVAL where the kernel lacks the ioctl
     */
    synchronized Residency residency(final long fromAddress, final long toAddress, final long[] within) {
        long residentBytes = 0;
        long hugePageBytes = 0;
        long withinBytes = 0;
        int pair = 0;
        long start = fromAddress;
        while (start < toAddress) {
            final int found = scan(start, toAddress);
            for (int region = 0; region < found; region++) {
                final int offset = region * REGION_BYTES;
                final long regionStart = regions.getLong(offset);
                final long regionEnd = regions.getLong(offset + 8);
                residentBytes += regionEnd - regionStart;
                if ((regions.getLong(offset + 16) & PAGE_IS_HUGE) != 0) {
                    hugePageBytes += regionEnd - regionStart;
                }
                while (pair < within.length && within[pair + 1] <= regionStart) {
                    pair += 2; // sub-ranges wholly below this run: no later run reaches them
                }
                for (int next = pair; next < within.length && within[next] < regionEnd; next += 2) {
                    withinBytes += Math.min(regionEnd, within[next + 1]) - Math.max(regionStart, within[next]);
                }
            }
            final long walkEnd = args.getLong(32);
            if (walkEnd <= start) {
                break; // no progress (never seen): better a short count than a loop
            }
            start = walkEnd;
        }
        return new Residency(residentBytes, hugePageBytes, withinBytes);
    }

    /** One ioctl from {@code start}; returns the runs found (the kernel sets walk_end). */
    private int scan(final long start, final long end) {
        args.setMemory(0, ARG_BYTES, (byte)0);
        args.putLong(0, ARG_BYTES);
        args.putLong(16, start);
        args.putLong(24, end);
        args.putLong(40, Pointer.nativeValue(vector));
        args.putLong(48, REGIONS);
        args.putLong(64, PAGE_IS_PFNZERO);
        args.putLong(72, PAGE_IS_PRESENT | PAGE_IS_PFNZERO);
        args.putLong(88, PAGE_IS_HUGE);
        return LibC.ioctl(fd, PAGEMAP_SCAN, arg);
    }

    @Override
    public synchronized void close() {
        LibC.close(fd);
    }
}
