package io.vmarena.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * libc, transliterated: the C names, the C argument order, a primitive {@code long} for every
 * address and {@code size_t}, no logic. Direct mapping ({@code Native.register}), which costs
 * about a tenth of interface mapping per call. {@code throws LastErrorException}: JNA zeroes
 * errno before the call and raises with errno after it when errno is non-zero.
 *
 * <p>Variadic functions ({@code mremap}, {@code ioctl}, {@code open}, {@code syscall}) are
 * declared with their full fixed prototype: integer and pointer arguments travel in the same
 * registers whether a callee is variadic or not on x86-64 and arm64 Linux, which is all this
 * backend runs on. {@code LibCTest} proves {@code MREMAP_FIXED} reaches the kernel.
 */
final class LibC {
    static final int PROT_NONE = 0;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_FIXED = 0x10;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MAP_FIXED_NOREPLACE = 0x100000;
    static final long MAP_FAILED = -1L;

    static final int MADV_WILLNEED = 3;
    static final int MADV_DONTNEED = 4;
    static final int MADV_FREE = 8;
    static final int MADV_HUGEPAGE = 14;
    static final int MADV_NOHUGEPAGE = 15;
    static final int MADV_POPULATE_WRITE = 23;

    static final int MLOCK_ONFAULT = 1;
    static final int RLIMIT_MEMLOCK = 8;
    static final int SC_PAGESIZE = 30;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;

    static {
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    private LibC() {
    }

    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset)
        throws LastErrorException;

    static native int munmap(long addr, long length) throws LastErrorException;

    static native int mprotect(long addr, long len, int prot) throws LastErrorException;

    /** {@code void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address)}. */
    static native long mremap(long oldAddress, long oldSize, long newSize, int flags, long newAddress)
        throws LastErrorException;

    static native int munlock(long addr, long len) throws LastErrorException;

    static native int madvise(long addr, long length, int advice) throws LastErrorException;

    /** {@code int mincore(void *addr, size_t length, unsigned char *vec)}: bit 0 of each byte is a page's residency. */
    static native int mincore(long addr, long length, byte[] vec) throws LastErrorException;

    /** {@code struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }}: two unsigned 64-bit values. */
    static native int getrlimit(int resource, Pointer rlim) throws LastErrorException;

    static native int ioctl(int fd, long request, Pointer argp) throws LastErrorException;

    static native long sysconf(int name) throws LastErrorException;

    static native int open(String pathname, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    /** {@code long syscall(long number, ...)} with the three arguments mlock2 takes. */
    static native long syscall(long number, long arg1, long arg2, long arg3) throws LastErrorException;
}
