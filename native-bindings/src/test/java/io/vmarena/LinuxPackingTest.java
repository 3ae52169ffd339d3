package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;

/** The packing contract on this machine's kernel: what trim gives back after packing, measured with madvise. */
class LinuxPackingTest extends PackingContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }
}
