package io.vmarena.linux;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaceContract;
import io.vmarena.vm.AddressSpaces;

/** The AddressSpace contract on this machine's kernel. */
class LinuxAddressSpaceContractTest extends AddressSpaceContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }
}
