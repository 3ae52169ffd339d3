package io.vmarena.linux;

/**
 * System call numbers by CPU architecture, for the calls libc may lack a wrapper for. The
 * numbers differ per architecture: arm64 uses the generic table (mlock2 is 284), x86-64 its
 * own (325). 32-bit ARM's 390 is wrong on arm64, a known bug of other bindings.
 */
final class SyscallNumbers {
    private SyscallNumbers() {
    }

    /**
     * {@code __NR_mlock2} for {@code os.arch}.
     *
     * @throws UnsupportedOperationException on an architecture this backend does not know
     */
    static long mlock2(final String architecture) {
        switch (architecture) {
            case "amd64":
            case "x86_64":
                return 325;
            case "aarch64":
            case "arm64":
                return 284;
            default:
                throw new UnsupportedOperationException("no mlock2 system call number for architecture '"
                    + architecture + "'; vmarena's Linux backend supports x86-64 and arm64");
        }
    }
}
