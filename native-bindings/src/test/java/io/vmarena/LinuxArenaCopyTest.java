package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;

/**
 * The copy contract on this machine's kernel: a copy that ran while memory moved would touch
 * the old range, which a move unmaps, and crash the JVM.
 */
class LinuxArenaCopyTest extends ArenaCopyContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }
}
