package io.vmarena.vm;

/**
 * The calls of an {@link AddressSpace} that change memory, made with a {@link Lease}'s authority
 * over the ranges it holds: what a backend implements so that {@link LeasedView} can act for a
 * lease. A null lease is a plain call. Every other check (ownership, the kernel's own) applies
 * as for the plain call.
 */
public interface LeasedCalls {
    long map(Lease lease, long address, long lengthBytes, Protection protection, int flags);

    void unmap(Lease lease, long address, long lengthBytes);

    void protect(Lease lease, long address, long lengthBytes, Protection protection);

    long remap(Lease lease, long oldAddress, long oldLengthBytes, long newLengthBytes, int flags, long newAddress);

    void lock(Lease lease, long address, long lengthBytes, LockMode mode);

    void unlock(Lease lease, long address, long lengthBytes);

    void advise(Lease lease, long address, long lengthBytes, Advice advice);

    boolean owns(Lease lease, long address, long lengthBytes);
}
