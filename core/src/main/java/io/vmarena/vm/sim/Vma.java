package io.vmarena.vm.sim;

import io.vmarena.vm.Protection;

/**
 * One simulated VMA: {@code [start, end)} in bytes, its flags, its page offset and its
 * anon_vma. Mutable: the tree splits, merges and re-flags VMAs in place, as the kernel does.
 */
final class Vma {
    long start;
    long end;
    Protection protection;
    /** VM_LOCKED ({@code lo}). */
    boolean locked;
    /** VM_LOCKONFAULT ({@code lf}). */
    boolean lockOnFault;
    /** VM_ACCOUNT ({@code ac}): a private mapping that was writable without MAP_NORESERVE. */
    boolean account;
    /** VM_NORESERVE ({@code nr}). */
    boolean noReserve;
    /** VM_HUGEPAGE ({@code hg}). */
    boolean hugePage;
    /** VM_NOHUGEPAGE ({@code nh}). */
    boolean noHugePage;
    /** vm_pgoff, in pages. */
    long pageOffset;
    /** Null until the VMA is first written. */
    AnonVma anonVma;

    Vma copy() {
        final Vma copy = new Vma();
        copy.start = start;
        copy.end = end;
        copy.protection = protection;
        copy.locked = locked;
        copy.lockOnFault = lockOnFault;
        copy.account = account;
        copy.noReserve = noReserve;
        copy.hugePage = hugePage;
        copy.noHugePage = noHugePage;
        copy.pageOffset = pageOffset;
        copy.anonVma = anonVma;
        return copy;
    }

    long pageCount(final int pageShift) {
        return (end - start) >>> pageShift;
    }

    /** Equal flags, so that two adjacent VMAs may merge (kernel-semantics 1.12, rule 2). */
    boolean sameFlags(final Vma other) {
        return protection == other.protection && sameFlagsIgnoringAccess(other);
    }

    /** Equal flags apart from read, write and exec: what anon_vma reuse asks (anon_vma_compatible). */
    boolean sameFlagsIgnoringAccess(final Vma other) {
        return locked == other.locked && lockOnFault == other.lockOnFault && account == other.account
            && noReserve == other.noReserve && hugePage == other.hugePage && noHugePage == other.noHugePage;
    }

    boolean accessible() {
        return protection != Protection.NONE;
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ") " + protection.symbol()
            + (locked ? " lo" : "") + (lockOnFault ? " lf" : "") + (account ? " ac" : "") + (noReserve ? " nr" : "")
            + " pgoff=" + pageOffset + " " + anonVma;
    }
}
