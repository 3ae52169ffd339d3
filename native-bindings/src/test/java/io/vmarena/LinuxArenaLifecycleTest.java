package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;

/** How an arena ends, on this machine's kernel with the process's own address space. */
class LinuxArenaLifecycleTest extends ArenaLifecycleContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }
}
