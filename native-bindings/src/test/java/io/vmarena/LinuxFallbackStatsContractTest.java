package io.vmarena;

import io.vmarena.linux.WithoutPagemapScan;
import io.vmarena.vm.AddressSpace;

/**
 * The stats contract on this machine's kernel as one before 6.7 serves it: PAGEMAP_SCAN
 * hidden, so residency falls back to mincore (which counts zero-page reads, see
 * {@link AddressSpace#residency}).
 */
class LinuxFallbackStatsContractTest extends StatsContract {
    @Override
    protected AddressSpace addressSpace() {
        return WithoutPagemapScan.open();
    }
}
