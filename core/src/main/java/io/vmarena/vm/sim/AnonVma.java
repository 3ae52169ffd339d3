package io.vmarena.vm.sim;

/**
 * The identity of an anon_vma: created when a VMA is first written (or reused from a
 * compatible neighbour), kept by a VMA for life, and compared by identity when deciding
 * merges (kernel-semantics 1.12, rules 5 and 6).
 */
final class AnonVma {
    private static long nextId;
    private final long id;

    AnonVma() {
        synchronized (AnonVma.class) {
            id = ++nextId;
        }
    }

    /** Either side null, or both the same (is_mergeable_anon_vma). */
    static boolean compatible(final AnonVma a, final AnonVma b) {
        return a == null || b == null || a == b;
    }

    @Override
    public String toString() {
        return "anon_vma#" + id;
    }
}
