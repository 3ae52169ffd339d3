package io.vmarena.linux;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaceProvider;

/**
 * Registers the Linux backend with {@link java.util.ServiceLoader}. It works where the OS is
 * Linux, JNA loads its native library, and the probe runs; otherwise it says which failed.
 */
public final class LinuxAddressSpaceProvider implements AddressSpaceProvider {
    private static volatile LinuxAddressSpace opened;
    private static volatile String failure;

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public int preference() {
        return 0;
    }

    @Override
    public String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
            return "the OS is " + System.getProperty("os.name") + ", not Linux";
        }
        openOnce();
        return failure;
    }

    @Override
    public AddressSpace open() {
        openOnce();
        if (opened == null) {
            throw new IllegalStateException("the Linux backend cannot work here: " + failure);
        }
        return opened;
    }

    /** One Linux address space per process: there is one kernel address space to describe. */
    private static synchronized void openOnce() {
        if (opened != null || failure != null) {
            return;
        }
        try {
            opened = new LinuxAddressSpace(new LinuxProbe().probe());
        } catch (final LinkageError | RuntimeException e) {
            failure = "JNA or libc could not be loaded, or the start-up probe failed: " + e;
        }
    }
}
