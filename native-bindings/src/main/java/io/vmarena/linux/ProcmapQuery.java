package io.vmarena.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.vmarena.vm.Errno;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.Protection;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * VMA discovery with the {@code PROCMAP_QUERY} ioctl on an fd of {@code /proc/self/maps}
 * (Linux 6.11+): costs per VMA in the range, not per VMA of the process. The query struct:
 * <pre>
 *  0 size            8 query_flags     16 query_addr     24 vma_start     32 vma_end
 * 40 vma_flags      48 vma_page_size   56 vma_offset     64 inode
 * 72 dev_major(u32) 76 dev_minor(u32)  80 vma_name_size(u32) 84 build_id_size(u32)
 * 88 vma_name_addr  96 build_id_addr   (104 bytes)
 * </pre>
 * One instance holds one fd and one query buffer; calls are serialised. The struct is read and
 * written through an Agrona view of JNA's native memory: JNA's own setters cost one JNI call
 * each, which tripled the cost of a query.
 */
final class ProcmapQuery implements AutoCloseable {
    static final int STRUCT_BYTES = 104;
    /** {@code _IOWR('f', 17, struct procmap_query)}: read-write (3 << 30), size, type 'f', number 17. */
    static final long PROCMAP_QUERY = (3L << 30) | ((long)STRUCT_BYTES << 16) | ('f' << 8) | 17;
    static final long COVERING_OR_NEXT_VMA = 0x10;
    private static final int VMA_READABLE = 1;
    private static final int VMA_WRITABLE = 2;
    private static final int VMA_EXECUTABLE = 4;

    private final int fd;
    private final Memory query = new Memory(STRUCT_BYTES);
    private final UnsafeBuffer fields = new UnsafeBuffer(Pointer.nativeValue(query), STRUCT_BYTES);

    /** @throws LastErrorException when /proc/self/maps cannot be opened */
    ProcmapQuery() {
        fd = LibC.open("/proc/self/maps", LibC.O_RDONLY | LibC.O_CLOEXEC);
    }

    /**
     * The VMAs that intersect {@code [fromAddress, toAddress)}.
     *
     * @throws LastErrorException ENOTTY or EINVAL where the kernel lacks the ioctl
     */
    synchronized List<Mapping> mappings(final long fromAddress, final long toAddress) {
        final List<Mapping> mappings = new ArrayList<>();
        long queryAddress = fromAddress;
        while (queryAddress < toAddress) {
            if (!queryAt(queryAddress)) {
                break;
            }
            final long vmaStart = fields.getLong(24);
            final long vmaEnd = fields.getLong(32);
            if (vmaStart >= toAddress) {
                break;
            }
            mappings.add(Mapping.of(vmaStart, vmaEnd, protection(fields.getLong(40))));
            queryAddress = vmaEnd;
        }
        return mappings;
    }

    /** Fills the buffer with the VMA covering {@code address} or the next one; false past the last. */
    private boolean queryAt(final long address) {
        fields.setMemory(0, STRUCT_BYTES, (byte)0);
        fields.putLong(0, STRUCT_BYTES);
        fields.putLong(8, COVERING_OR_NEXT_VMA);
        fields.putLong(16, address);
        try {
            LibC.ioctl(fd, PROCMAP_QUERY, query);
            return true;
        } catch (final LastErrorException e) {
            if (e.getErrorCode() == Errno.ENOENT.value()) {
                return false;
            }
            throw e;
        }
    }

    private static Protection protection(final long vmaFlags) {
        int bits = 0;
        bits |= (vmaFlags & VMA_READABLE) != 0 ? 1 : 0;
        bits |= (vmaFlags & VMA_WRITABLE) != 0 ? 2 : 0;
        bits |= (vmaFlags & VMA_EXECUTABLE) != 0 ? 4 : 0;
        return Protection.ofBits(bits);
    }

    @Override
    public synchronized void close() {
        LibC.close(fd);
    }
}
