package io.vmarena.vm;

/**
 * Implemented by an address space that cannot see the CPU's page faults (the simulator): code
 * that writes memory through raw addresses tells it which bytes it wrote, so that it can
 * account resident pages and give a VMA its anon_vma on first write, as a real fault would.
 * The kernel needs no such call; callers check {@code instanceof} and skip it there.
 */
public interface FaultObserver {
    /** {@code [address, address + lengthBytes)} was just written, page by page in address order. */
    void written(long address, long lengthBytes);
}
