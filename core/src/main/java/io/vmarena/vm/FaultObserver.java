package io.vmarena.vm;

/**
 * Implemented by an address space that cannot see the CPU's page faults (the simulator): code
 * that reads or writes memory through raw addresses tells it which bytes it touched, so that it
 * can account resident pages and give a VMA its anon_vma, as a real fault would. A write fault
 * always does both; a read fault does neither where the kernel maps the shared zero page, and
 * both where it does not ({@link Capabilities#zeroPage()}). The kernel needs no such call;
 * callers check {@code instanceof} and skip it there.
 */
public interface FaultObserver {
    /** {@code [address, address + lengthBytes)} was just written, page by page in address order. */
    void written(long address, long lengthBytes);

    /** {@code [address, address + lengthBytes)} was just read, page by page in address order. */
    void read(long address, long lengthBytes);
}
