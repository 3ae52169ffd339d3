package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;

/** The resident account contract on this machine's kernel, reconciled with its smaps. */
class LinuxResidentAccountTest extends ResidentAccountContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }
}
