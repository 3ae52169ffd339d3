package io.vmarena.vm.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The process's VMAs, sorted by start address, never overlapping. */
final class VmaTree {
    private final TreeMap<Long, Vma> byStart = new TreeMap<>();

    int size() {
        return byStart.size();
    }

    void add(final Vma vma) {
        byStart.put(vma.start, vma);
    }

    void remove(final Vma vma) {
        byStart.remove(vma.start);
    }

    /** The VMA containing {@code address} (vma_lookup), or null. */
    Vma containing(final long address) {
        final Map.Entry<Long, Vma> entry = byStart.floorEntry(address);
        return entry != null && entry.getValue().end > address ? entry.getValue() : null;
    }

    /** The first VMA that ends after {@code address} (find_vma): containing it, or the next one. */
    Vma findVma(final long address) {
        final Vma containing = containing(address);
        if (containing != null) {
            return containing;
        }
        final Map.Entry<Long, Vma> next = byStart.higherEntry(address);
        return next == null ? null : next.getValue();
    }

    Vma before(final Vma vma) {
        final Map.Entry<Long, Vma> entry = byStart.lowerEntry(vma.start);
        return entry == null ? null : entry.getValue();
    }

    Vma after(final Vma vma) {
        final Map.Entry<Long, Vma> entry = byStart.higherEntry(vma.start);
        return entry == null ? null : entry.getValue();
    }

    /** The VMAs that intersect {@code [from, to)}, in address order. */
    List<Vma> intersecting(final long from, final long to) {
        final List<Vma> result = new ArrayList<>();
        if (from >= to) {
            return result;
        }
        Vma vma = findVma(from);
        while (vma != null && vma.start < to) {
            result.add(vma);
            vma = after(vma);
        }
        return result;
    }

    /** Whether anything is mapped in {@code [from, to)}. */
    boolean anyIn(final long from, final long to) {
        final Vma vma = findVma(from);
        return vma != null && vma.start < to;
    }

    /**
     * Splits {@code vma} at {@code address}: it keeps {@code [start, address)} and the returned
     * VMA holds {@code [address, end)} with the page offset advanced, as split_vma does.
     */
    Vma splitAt(final Vma vma, final long address, final int pageShift) {
        final Vma right = vma.copy();
        right.start = address;
        right.pageOffset = vma.pageOffset + ((address - vma.start) >>> pageShift);
        vma.end = address;
        add(right);
        return right;
    }

    List<Vma> all() {
        return new ArrayList<>(byStart.values());
    }
}
