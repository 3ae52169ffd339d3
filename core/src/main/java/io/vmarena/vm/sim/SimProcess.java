package io.vmarena.vm.sim;

import io.vmarena.vm.Errno;
import io.vmarena.vm.Protection;

import java.util.function.Consumer;

/**
 * The state of one simulated process (its VMAs, page states, locked_vm, counters) and the
 * kernel helpers the system calls share: merging (vma_merge), changing part of a VMA
 * (vma_modify), first-write faults (anon_vma_prepare), population (__mm_populate), unmapping
 * (do_vmi_munmap) and placement (get_unmapped_area). Errors are returned as negative errnos,
 * as the kernel does, and turned into exceptions one level up.
 *
 * <pre>
 *  merge: prev [A)[v)[B) next     v joins prev when flags are equal, pgoff runs on and the
 *                                 anon_vmas are compatible; joins next likewise; joins both
 *                                 only if prev's and next's anon_vmas are compatible with
 *                                 each other, else prev only (kernel-semantics 1.12, G8);
 *                                 on 6.1 a faulted v never joins an unfaulted neighbour, and
 *                                 a new mapping tries next first (KernelProfile.sixOneMm)
 * </pre>
 */
final class SimProcess {
    final KernelProfile profile;
    final long pageSize;
    final int pageShift;
    final long pageMask;
    final HostMemory memory;
    final VmaTree vmas = new VmaTree();
    final PageStates pages;
    /** mm->locked_vm, in pages: a counter, not a sum over VMAs (kernel-semantics DU4, L12). */
    long lockedPages;
    long systemCalls;
    long vmasMoved;
    long pagesMoved;
    /** Pages a read fault gave a page of their own: always 0 where the zero page is mapped. */
    long pagesAllocatedByReads;

    SimProcess(final KernelProfile profile, final long blockBytes) {
        this.profile = profile;
        this.pageSize = profile.pageSize();
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
        this.pageMask = pageSize - 1;
        this.memory = new HostMemory(blockBytes, pageSize);
        this.pages = new PageStates(memory, pageShift);
    }

    static long error(final Errno errno) {
        return -errno.value();
    }

    long mapCount() {
        return vmas.size() + profile.otherMappings();
    }

    long maxMapCount() {
        return profile.maxMapCount();
    }

    /** PAGE_ALIGN with the kernel's unsigned wrap-around. */
    long pageAlign(final long lengthBytes) {
        return (lengthBytes + pageMask) & ~pageMask;
    }

    boolean hasIpcLock() {
        return profile.ipcLock();
    }

    long lockLimitPages() {
        return profile.memlockBytes() == KernelProfile.UNLIMITED ? Long.MAX_VALUE : profile.memlockBytes() >>> pageShift;
    }

    /** mlock_future_ok: may {@code bytes} more be locked? */
    boolean mlockFutureOk(final boolean locked, final long bytes) {
        return !locked || hasIpcLock() || (bytes >>> pageShift) + lockedPages <= lockLimitPages();
    }

    /** prev ends where next starts, flags equal, pgoff runs on: is_mergeable_vma and the pgoff test. */
    private boolean alike(final Vma prev, final Vma next) {
        return prev.end == next.start && prev.sameFlags(next)
            && prev.pageOffset + prev.pageCount(pageShift) == next.pageOffset;
    }

    /**
     * is_mergeable_anon_vma: may a range whose anon_vma is {@code anon} join the VMA {@code kept}?
     * From 6.12 either may lend the other its anon_vma (either null, or the same). 6.1 asks
     * for a singular anon_vma_chain in {@code kept} when one side is null, and an unfaulted
     * VMA's chain is empty: a faulted range never joins an unfaulted VMA there.
     */
    private boolean anonJoins(final AnonVma anon, final Vma kept) {
        return profile.sixOneMm() ? anon == null || anon == kept.anonVma : AnonVma.compatible(anon, kept.anonVma);
    }

    /** Whether {@code changed} may join {@code prev}, the VMA before it (can_vma_merge_after). */
    boolean joinsAfter(final Vma prev, final Vma changed) {
        return alike(prev, changed) && anonJoins(changed.anonVma, prev);
    }

    /** Whether {@code changed} may join {@code next}, the VMA after it (can_vma_merge_before). */
    boolean joinsBefore(final Vma changed, final Vma next) {
        return alike(changed, next) && anonJoins(changed.anonVma, next);
    }

    /**
     * A VMA just placed by mmap joins its neighbours where it can. 6.1's mmap_region tries next
     * first, then prev with the anon_vma next would lend: a fresh mapping between two faulted
     * VMAs joins next there, prev from 6.12 (measured in .ci/old-kernel's VM).
     */
    Vma mergeNewMapping(final Vma vma) {
        if (!profile.sixOneMm()) {
            return mergeNew(vma);
        }
        final Vma prev = vmas.before(vma);
        final Vma next = vmas.after(vma);
        final boolean right = next != null && joinsBefore(vma, next);
        final boolean left = prev != null && alike(prev, vma) && anonJoins(right ? next.anonVma : null, prev);
        return join(left ? prev : null, vma, right ? next : null);
    }

    /** vma_merge of a VMA just placed by a move (copy_vma): it joins its neighbours where it can. */
    Vma mergeNew(final Vma vma) {
        return mergeNew(vma, null);
    }

    /** {@link #mergeNew(Vma)}, never with {@code apart} (null: with any neighbour). */
    Vma mergeNew(final Vma vma, final Vma apart) {
        final Vma prev = vmas.before(vma);
        final Vma next = vmas.after(vma);
        final boolean left = prev != null && prev != apart && joinsAfter(prev, vma);
        boolean right = next != null && next != apart && joinsBefore(vma, next);
        if (left && right && !AnonVma.compatible(prev.anonVma, next.anonVma)) {
            right = false;
        }
        return join(left ? prev : null, vma, right ? next : null);
    }

    /** {@code vma} absorbs {@code next}, then {@code prev} absorbs it (either may be null); returns the result. */
    private Vma join(final Vma prev, final Vma vma, final Vma next) {
        if (next != null) {
            absorbNext(vma, next);
        }
        if (prev != null) {
            absorbNext(prev, vma);
            return prev;
        }
        return vma;
    }

    /** {@code into} grows over {@code next}, which disappears. */
    private void absorbNext(final Vma into, final Vma next) {
        vmas.remove(next);
        into.end = next.end;
        if (into.anonVma == null) {
            into.anonVma = next.anonVma;
        }
    }

    /**
     * vma_modify: gives {@code [start, end)} of {@code vma} the attributes {@code change} sets.
     * Merging with a neighbour is tried first and needs no split; otherwise the VMA is split
     * (each split refused with ENOMEM at vm.max_map_count, kernel-semantics MP7).
     *
     * @return 0, or a negative errno
     */
    long modify(final Vma vma, final long start, final long end, final Consumer<Vma> change) {
        final Vma piece = vma.copy();
        piece.start = start;
        piece.end = end;
        piece.pageOffset = vma.pageOffset + ((start - vma.start) >>> pageShift);
        change.accept(piece);
        final Vma prev = vmas.before(vma);
        final Vma next = vmas.after(vma);
        final boolean left = start == vma.start && prev != null && joinsAfter(prev, piece);
        boolean right = end == vma.end && next != null && joinsBefore(piece, next);
        if (left && right && !AnonVma.compatible(prev.anonVma, next.anonVma)) {
            right = false;
        }
        if (left || right) {
            mergeExisting(vma, piece, left ? prev : null, right ? next : null);
            return 0;
        }
        Vma target = vma;
        if (start > target.start) {
            if (mapCount() >= maxMapCount()) {
                return error(Errno.ENOMEM);
            }
            target = vmas.splitAt(target, start, pageShift);
        }
        if (end < target.end) {
            if (mapCount() >= maxMapCount()) {
                return error(Errno.ENOMEM);
            }
            vmas.splitAt(target, end, pageShift);
        }
        change.accept(target);
        return 0;
    }

    /** The changed piece of {@code vma} joins {@code prev} and/or {@code next} (either may be null). */
    private void mergeExisting(final Vma vma, final Vma piece, final Vma prev, final Vma next) {
        vmas.remove(vma);
        if (piece.start > vma.start) {
            final Vma head = vma.copy();
            head.end = piece.start;
            vmas.add(head);
        }
        if (piece.end < vma.end) {
            final Vma tail = vma.copy();
            tail.start = piece.end;
            tail.pageOffset = vma.pageOffset + ((piece.end - vma.start) >>> pageShift);
            vmas.add(tail);
        }
        vmas.add(piece);
        if (next != null) {
            absorbNext(piece, next);
        }
        if (prev != null) {
            absorbNext(prev, piece);
        }
    }

    /** The first write to each page of {@code [from, to)} that lies in a writable VMA. */
    void written(final long from, final long to) {
        for (final Vma vma : vmas.intersecting(from, to)) {
            if (!vma.protection.canWrite()) {
                continue;
            }
            fault(vma, Math.max(from, vma.start), Math.min(to, vma.end));
        }
    }

    /**
     * The first read of each page of {@code [from, to)} that lies in a readable VMA. Where the
     * kernel maps the shared zero page nothing changes: smaps does not count the zero page, and
     * do_anonymous_page takes that branch before it prepares an anon_vma. Elsewhere each read
     * fault is a write fault's twin, a page of its own and the VMA's anon_vma.
     */
    void read(final long from, final long to) {
        if (profile.zeroPage()) {
            return;
        }
        for (final Vma vma : vmas.intersecting(from, to)) {
            if (vma.protection.canRead()) {
                readFault(vma, Math.max(from, vma.start), Math.min(to, vma.end));
            }
        }
    }

    /**
     * A read fault of {@code [from, to)} in {@code vma} (do_anonymous_page without
     * FAULT_FLAG_WRITE): the shared zero page, which is not resident and leaves the VMA as it
     * is; or, on a kernel without it, the same as a write fault. Pages already present do not
     * fault, so a range that is all resident changes nothing.
     */
    void readFault(final Vma vma, final long from, final long to) {
        final long absent = ((to - from) >>> pageShift) - pages.residentPages(from, to);
        if (profile.zeroPage() || absent == 0) {
            return;
        }
        pagesAllocatedByReads += absent;
        fault(vma, from, to);
    }

    /** A write fault: the VMA gets its anon_vma (anon_vma_prepare), the pages become resident. */
    void fault(final Vma vma, final long from, final long to) {
        if (vma.anonVma == null) {
            vma.anonVma = reusableAnonVma(vma);
        }
        pages.setResident(from, to);
    }

    /**
     * find_mergeable_anon_vma: a neighbour's anon_vma is reused when the two could one day
     * merge (adjacent, flags equal apart from rwx, pgoff running on); next is tried first.
     */
    private AnonVma reusableAnonVma(final Vma vma) {
        final Vma next = vmas.after(vma);
        if (next != null && next.anonVma != null && anonCompatible(vma, next)) {
            return next.anonVma;
        }
        final Vma prev = vmas.before(vma);
        if (prev != null && prev.anonVma != null && anonCompatible(prev, vma)) {
            return prev.anonVma;
        }
        return new AnonVma();
    }

    private boolean anonCompatible(final Vma a, final Vma b) {
        return a.end == b.start && a.sameFlagsIgnoringAccess(b)
            && b.pageOffset == a.pageOffset + a.pageCount(pageShift);
    }

    /**
     * __mm_populate: faults in every page of the range's VMAs, in order, as mlock and growth of
     * a locked VMA do. Lock-on-fault VMAs are skipped; a writable VMA is write-faulted; a
     * read-only one is read-faulted (populate_vma_page_range asks FOLL_WRITE only of writable
     * private VMAs), which maps the zero page (not resident) or, without it, real pages; a
     * PROT_NONE VMA stops the walk with EFAULT unless errors are ignored.
     *
     * @return 0, or -EFAULT
     */
    long populate(final long from, final long to, final boolean ignoreErrors) {
        for (final Vma vma : vmas.intersecting(from, to)) {
            if (vma.lockOnFault) {
                continue;
            }
            if (!vma.accessible()) {
                if (ignoreErrors) {
                    continue;
                }
                return error(Errno.EFAULT);
            }
            if (vma.protection.canWrite()) {
                fault(vma, Math.max(from, vma.start), Math.min(to, vma.end));
            } else {
                readFault(vma, Math.max(from, vma.start), Math.min(to, vma.end));
            }
        }
        return 0;
    }

    /**
     * do_vmi_munmap of {@code [start, end)}: across VMAs and holes. Only a range strictly
     * inside one VMA (two splits) is refused at vm.max_map_count (kernel-semantics U3).
     *
     * @return 0, or -ENOMEM
     */
    long unmapRange(final long start, final long end) {
        Vma first = vmas.findVma(start);
        if (first == null || first.start >= end) {
            pages.unmap(start, end);
            return 0;
        }
        if (start > first.start) {
            if (end < first.end && mapCount() >= maxMapCount()) {
                return error(Errno.ENOMEM);
            }
            first = vmas.splitAt(first, start, pageShift);
        }
        for (final Vma vma : vmas.intersecting(start, end)) {
            if (vma.end > end) {
                vmas.splitAt(vma, end, pageShift);
            }
            vmas.remove(vma);
            if (vma.locked) {
                lockedPages -= vma.pageCount(pageShift);
            }
        }
        pages.unmap(start, end);
        return 0;
    }

    /** Whether {@code [start, end)} lies in the block and holds no VMA. */
    boolean isFree(final long start, final long end) {
        return start >= memory.baseAddress() && end <= memory.baseAddress() + memory.lengthBytes() && end > start
            && !vmas.anyIn(start, end);
    }

    /**
     * get_unmapped_area for an anonymous mapping: the hint when it is free, else the top of the
     * highest free gap that fits (top-down, as x86-64 and arm64 place mappings).
     *
     * @return the address, or -ENOMEM
     */
    long unmappedArea(final long hint, final long lengthBytes) {
        if (hint != 0 && (hint & pageMask) == 0 && isFree(hint, hint + lengthBytes)) {
            return hint;
        }
        long gapEnd = memory.baseAddress() + memory.lengthBytes();
        final java.util.List<Vma> all = vmas.all();
        for (int i = all.size() - 1; i >= -1; i--) {
            final long gapStart = i >= 0 ? all.get(i).end : memory.baseAddress();
            if (gapEnd - gapStart >= lengthBytes) {
                return gapEnd - lengthBytes;
            }
            if (i >= 0) {
                gapEnd = all.get(i).start;
            }
        }
        return error(Errno.ENOMEM);
    }

    /** Writable private mappings without MAP_NORESERVE are charged: VM_ACCOUNT. */
    static boolean accountable(final Protection protection, final boolean noReserve) {
        return protection.canWrite() && !noReserve;
    }
}
