package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;

/**
 * The pinning contract on this machine's kernel, with the process's own address space: VmLck of
 * /proc/self/status and the VMAs' {@code lo lf} flags and Locked pages of /proc/self/smaps. This
 * process holds CAP_IPC_LOCK here (root); the unprivileged paths run in child JVMs.
 */
class LinuxPinningTest extends PinningContract {
    @Override
    protected AddressSpace addressSpace() {
        return AddressSpaces.open("linux");
    }
}
