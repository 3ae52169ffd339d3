package io.vmarena.linux;

import io.vmarena.vm.AddressSpace;

/**
 * This machine's kernel as one before 6.7 would serve it: PAGEMAP_SCAN hidden, so residency
 * falls back to mincore (and smaps for huge pages), for tests outside this package.
 */
public final class WithoutPagemapScan {
    private WithoutPagemapScan() {
    }

    /** A new Linux backend without PAGEMAP_SCAN; each holds a PROCMAP_QUERY fd for good, so open few. */
    public static AddressSpace open() {
        return new LinuxAddressSpace(ResidencyTest.withoutPagemapScan(new LinuxAddressSpaceProvider().open()
            .capabilities()));
    }
}
