package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;

/**
 * The compaction contract on this machine's kernel, with the process's own address space: the
 * runs, calls and VMA layouts the simulator predicts, measured with mremap and /proc.
 */
class LinuxCompactionTest extends CompactionContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }
}
