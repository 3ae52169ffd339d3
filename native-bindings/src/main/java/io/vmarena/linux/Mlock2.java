package io.vmarena.linux;

import com.sun.jna.LastErrorException;

/** {@code mlock2}: glibc's wrapper where libc has it, else the raw system call. */
final class Mlock2 {
    private static final String SOURCE;
    private static final boolean USE_GLIBC;
    private static final long SYSCALL_NUMBER;

    static {
        boolean glibc;
        String source;
        try {
            Class.forName(GlibcMlock2.class.getName(), true, Mlock2.class.getClassLoader());
            glibc = true;
            source = "libc mlock2";
        } catch (final ClassNotFoundException | LinkageError missing) {
            glibc = false;
            source = "the raw system call (libc has no mlock2: " + missing.getMessage() + ")";
        }
        USE_GLIBC = glibc;
        SOURCE = source;
        SYSCALL_NUMBER = syscallNumberOrMinusOne();
    }

    /** -1 on an architecture without a known number: {@link #syscall} then says so when called. */
    private static long syscallNumberOrMinusOne() {
        try {
            return SyscallNumbers.mlock2(System.getProperty("os.arch"));
        } catch (final UnsupportedOperationException unknown) {
            return -1;
        }
    }

    private Mlock2() {
    }

    /** How mlock2 is reached on this machine, for {@code vmarena doctor}. */
    static String source() {
        return SOURCE;
    }

    static void mlock2(final long addr, final long len, final int flags) throws LastErrorException {
        if (USE_GLIBC) {
            GlibcMlock2.mlock2(addr, len, flags);
        } else {
            syscall(addr, len, flags);
        }
    }

    /** The raw system call, whatever libc offers; tests prove the number on the running machine. */
    static void syscall(final long addr, final long len, final int flags) throws LastErrorException {
        if (SYSCALL_NUMBER < 0) {
            // Throws UnsupportedOperationException naming the architecture.
            SyscallNumbers.mlock2(System.getProperty("os.arch"));
        }
        LibC.syscall(SYSCALL_NUMBER, addr, len, flags);
    }
}
