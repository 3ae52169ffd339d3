package io.vmarena.vm.support;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.FaultObserver;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A test's own stretch of address space: {@code pageCount} pages inside a PROT_NONE
 * reservation with one guard page on each side, so nothing in it merges with the process's
 * other mappings. Pages are addressed by index, so tests run unchanged on any page size.
 * The fill pattern is the scenario language's: byte j of page i is {@code (seed + 31*i + j) & 0xFF}.
 */
public final class Window implements AutoCloseable {
    private final AddressSpace addressSpace;
    private final long pageSize;
    private final long reservation;
    private final int pageCount;

    public Window(final AddressSpace addressSpace, final int pageCount) {
        this.addressSpace = addressSpace;
        this.pageSize = addressSpace.pageSize();
        this.pageCount = pageCount;
        this.reservation = addressSpace.reserve((pageCount + 2L) * pageSize);
    }

    public long pageSize() {
        return pageSize;
    }

    /** The address of window page {@code pageIndex}. */
    public long page(final long pageIndex) {
        return reservation + (pageIndex + 1) * pageSize;
    }

    public long bytes(final long pageCount) {
        return pageCount * pageSize;
    }

    public void map(final int pageIndex, final int count, final Protection protection) {
        addressSpace.map(page(pageIndex), bytes(count), protection, MapFlags.FIXED);
    }

    public void unmap(final int pageIndex, final int count) {
        addressSpace.unmap(page(pageIndex), bytes(count));
    }

    public void protect(final int pageIndex, final int count, final Protection protection) {
        addressSpace.protect(page(pageIndex), bytes(count), protection);
    }

    /** Writes the pattern into every byte of the pages; they must be writable. */
    public void fill(final int pageIndex, final int count, final int seed) {
        requireAccess(pageIndex, count, true);
        final UnsafeBuffer buffer = new UnsafeBuffer(page(pageIndex), (int)bytes(count));
        for (int i = 0; i < count; i++) {
            final int pageOffset = (int)(i * pageSize);
            for (int j = 0; j < pageSize; j++) {
                buffer.putByte(pageOffset + j, (byte)(seed + 31 * i + j));
            }
            written(page(pageIndex + i), pageSize);
        }
    }

    /** Tells a simulator what the CPU would have faulted in. */
    private void written(final long address, final long lengthBytes) {
        if (addressSpace instanceof FaultObserver) {
            ((FaultObserver)addressSpace).written(address, lengthBytes);
        }
    }

    /** Tells a simulator what was read: on a kernel without the zero page, a read fault allocates. */
    private void read(final long address, final long lengthBytes) {
        if (addressSpace instanceof FaultObserver) {
            ((FaultObserver)addressSpace).read(address, lengthBytes);
        }
    }

    /** The first page (window index) whose bytes differ from the pattern, or -1. */
    public int firstDifference(final int pageIndex, final int count, final int seed) {
        requireAccess(pageIndex, count, false);
        final UnsafeBuffer buffer = new UnsafeBuffer(page(pageIndex), (int)bytes(count));
        for (int i = 0; i < count; i++) {
            final int pageOffset = (int)(i * pageSize);
            read(page(pageIndex + i), pageSize);
            for (int j = 0; j < pageSize; j++) {
                if (buffer.getByte(pageOffset + j) != (byte)(seed + 31 * i + j)) {
                    return pageIndex + i;
                }
            }
        }
        return -1;
    }

    /** Writes one byte (1) at the start of each page, in order: faults them in. */
    public void touch(final int pageIndex, final int count) {
        requireAccess(pageIndex, count, true);
        for (int i = 0; i < count; i++) {
            new UnsafeBuffer(page(pageIndex + i), 1).putByte(0, (byte)1);
            written(page(pageIndex + i), 1);
        }
    }

    /** CRC32 of every byte of the pages; they must be readable. */
    public long checksum(final int pageIndex, final int count) {
        requireAccess(pageIndex, count, false);
        final byte[] bytes = new byte[(int)bytes(count)];
        new UnsafeBuffer(page(pageIndex), bytes.length).getBytes(0, bytes);
        read(page(pageIndex), bytes.length);
        final CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    /**
     * Fails the test, instead of crashing the JVM, when a page is unmapped or lacks the access:
     * a broken move must show up as an assertion.
     */
    private void requireAccess(final int pageIndex, final int count, final boolean write) {
        long position = page(pageIndex);
        final long end = page(pageIndex + count);
        for (final Mapping vma : addressSpace.mappings(position, end, MappingSource.PROC_MAPS)) {
            final boolean allowed = write ? vma.protection().canWrite() : vma.protection().canRead();
            if (vma.startAddress() > position || !allowed) {
                break;
            }
            position = vma.endAddress();
        }
        if (position < end) {
            throw new AssertionError("window page " + (position - page(0)) / pageSize + " is not mapped "
                + (write ? "writable" : "readable") + ": " + layout(0, pageCount, MappingSource.PROC_MAPS));
        }
    }

    /** {@link #layout(int, int, MappingSource)} of the whole window from smaps. */
    public List<String> layout() {
        return layout(0, pageCount, MappingSource.SMAPS);
    }

    /**
     * The VMAs over window pages {@code [pageIndex, pageIndex + count)}, clipped to them, as
     * {@code [P, Q) rw-} with {@code rss=R locked onfault noreserve} where read from smaps:
     * the scenario language's {@code maps} format, in page indexes.
     */
    public List<String> layout(final int pageIndex, final int count, final MappingSource source) {
        final long from = page(pageIndex);
        final long to = page(pageIndex + count);
        final List<String> lines = new ArrayList<>();
        for (final Mapping vma : addressSpace.mappings(from, to, source)) {
            final long start = Math.max(vma.startAddress(), from);
            final long end = Math.min(vma.endAddress(), to);
            final StringBuilder line = new StringBuilder()
                .append('[').append((start - page(0)) / pageSize).append(", ").append((end - page(0)) / pageSize)
                .append(") ").append(vma.protection().symbol());
            if (vma.hasDetails()) {
                line.append(" rss=").append(Math.min(vma.residentPages(), (end - start) / pageSize));
                line.append(vma.locked() ? " locked" : "").append(vma.lockOnFault() ? " onfault" : "")
                    .append(vma.noReserve() ? " noreserve" : "");
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /** Every layout line moved by {@code pageDelta} pages. */
    public static List<String> shifted(final List<String> layout, final int pageDelta) {
        final List<String> lines = new ArrayList<>();
        for (final String line : layout) {
            final int comma = line.indexOf(',');
            final int close = line.indexOf(')');
            final long start = Long.parseLong(line.substring(1, comma)) + pageDelta;
            final long end = Long.parseLong(line.substring(comma + 2, close)) + pageDelta;
            lines.add("[" + start + ", " + end + line.substring(close));
        }
        return lines;
    }

    @Override
    public void close() {
        addressSpace.unmap(reservation, (pageCount + 2L) * pageSize);
    }
}
