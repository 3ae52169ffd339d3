package io.vmarena.linux;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.RangeMoverContract;

/** Every MoveStrategy on this machine's kernel. */
class LinuxRangeMoverContractTest extends RangeMoverContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }
}
