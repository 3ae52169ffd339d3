package io.vmarena.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * glibc's {@code mlock2} wrapper (glibc 2.27+), in a class of its own: one missing symbol
 * fails the whole {@code Native.register} of its class, and an old or non-glibc libc must not
 * take mmap and mremap down with it. Touching this class throws {@link UnsatisfiedLinkError}
 * where the symbol is missing; {@link Mlock2} then uses the raw system call.
 */
final class GlibcMlock2 {
    static {
        Native.register(GlibcMlock2.class, Platform.C_LIBRARY_NAME);
    }

    private GlibcMlock2() {
    }

    static native int mlock2(long addr, long len, int flags) throws LastErrorException;
}
