package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;

/** The stats contract on this machine's kernel: PAGEMAP_SCAN and PROCMAP_QUERY where it has them. */
class LinuxStatsContractTest extends StatsContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }
}
