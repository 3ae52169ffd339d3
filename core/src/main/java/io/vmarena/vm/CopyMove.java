package io.vmarena.vm;

import java.util.ArrayList;
import java.util.List;

/**
 * Moves by copying: each source VMA gets a fresh anonymous mapping at its destination with the
 * same protection, {@code nr}, huge-page advice and lock state, its bytes are copied through the CPU, and the
 * source is unmapped. This is what an allocator without {@code mremap} has to do, and the
 * baseline the page-table moves are measured against.
 *
 * <p>The layout comes from smaps, or from the caller's known layout when that was read with
 * {@link MappingSource#SMAPS} (it needs the lock flags and residency).
 *
 * <p>Pages that were never touched (no resident pages in smaps) are not copied: the fresh
 * mapping reads zero there too. Each copy is locked right after its source piece is unmapped,
 * so a locked range never counts twice against RLIMIT_MEMLOCK, and a move that fails part way
 * leaves every piece locked as it was (an undo moves the copies back with mremap, which keeps
 * the lock).
 */
final class CopyMove implements RangeMove {
    @Override
    public MoveResult move(final AddressSpace addressSpace, final long fromAddress, final long lengthBytes,
        final long toAddress, final List<Mapping> knownLayout) {
        final long endAddress = fromAddress + lengthBytes;
        final List<Mapping> layout = layout(addressSpace, fromAddress, endAddress, knownLayout);
        MoveChecks.requireVmaAtStart(fromAddress, lengthBytes, toAddress, layout);
        int calls = 0;
        long bytesCopied = 0;
        for (final Mapping vma : layout) {
            final long pieceStart = Math.max(vma.startAddress(), fromAddress);
            final long pieceEnd = Math.min(vma.endAddress(), endAddress);
            if (pieceStart >= pieceEnd) {
                continue;
            }
            final long pieceLength = pieceEnd - pieceStart;
            final long target = toAddress + (pieceStart - fromAddress);
            final int flags = MapFlags.FIXED | (vma.noReserve() ? MapFlags.NORESERVE : 0);
            addressSpace.map(target, pieceLength, Protection.READ_WRITE, flags);
            calls++;
            if (vma.hugePage() || vma.noHugePage()) {
                // mremap keeps VM_HUGEPAGE and VM_NOHUGEPAGE; a fresh mapping must be told again,
                // before the copy faults its pages in.
                addressSpace.advise(target, pieceLength, vma.hugePage() ? Advice.HUGEPAGE : Advice.NOHUGEPAGE);
                calls++;
            }
            if (vma.residentPages() > 0) {
                if (!vma.protection().canRead()) {
                    addressSpace.protect(pieceStart, pieceLength, Protection.READ);
                    calls++;
                }
                Memory.copy(pieceStart, target, pieceLength);
                if (addressSpace instanceof FaultObserver) {
                    // The copy wrote the target through the CPU: an address space that cannot see
                    // page faults must hear of it, or it takes the target for untouched memory.
                    ((FaultObserver)addressSpace).read(pieceStart, pieceLength);
                    ((FaultObserver)addressSpace).written(target, pieceLength);
                }
                bytesCopied += pieceLength;
            }
            if (vma.protection() != Protection.READ_WRITE) {
                addressSpace.protect(target, pieceLength, vma.protection());
                calls++;
            }
            addressSpace.unmap(pieceStart, pieceLength);
            calls++;
            if (vma.locked() || vma.lockOnFault()) {
                lockLikeTheSource(addressSpace, Mapping.withDetails(target, target + pieceLength, vma.protection(),
                    true, vma.lockOnFault(), vma.noReserve(), 0, 0));
                calls++;
            }
        }
        return new MoveResult(MoveStrategy.COPY, calls, layout.isEmpty() ? 0 : countPieces(layout, fromAddress,
            endAddress), bytesCopied);
    }

    /**
     * The source's VMAs with their details. Bytes are read through these bounds, so they come
     * from the kernel: the caller's layout is used for its details only when its bounds and
     * protections match what the kernel reports now (smaps costs milliseconds in a large JVM).
     */
    private static List<Mapping> layout(final AddressSpace addressSpace, final long fromAddress,
        final long endAddress, final List<Mapping> knownLayout) {
        if (knownLayout != null && !knownLayout.isEmpty() && knownLayout.get(0).hasDetails()) {
            final List<Mapping> current = addressSpace.mappings(fromAddress, endAddress, MappingSource.AUTO);
            final List<Mapping> known = new ArrayList<>();
            for (final Mapping vma : knownLayout) {
                known.add(vma.withoutDetails());
            }
            if (known.equals(current)) {
                return knownLayout;
            }
        }
        return addressSpace.mappings(fromAddress, endAddress, MappingSource.SMAPS);
    }

    /**
     * Locks a copy as its source was locked. mlock of a PROT_NONE VMA sets VM_LOCKED and then
     * fails to populate with ENOMEM (kernel-semantics L12): the state is the source's, so that
     * ENOMEM is expected here. Where smaps cannot show VM_LOCKONFAULT (6.1) the source's mode is
     * unknown; locking on fault is then right for both: a populating lock had every page
     * resident, and every resident page was copied, so nothing is left to populate.
     */
    private static void lockLikeTheSource(final AddressSpace addressSpace, final Mapping target) {
        final Capabilities capabilities = addressSpace.capabilities();
        final boolean onFault = target.lockOnFault()
            || !capabilities.lockOnFaultShown().available() && capabilities.lockOnFault().available();
        try {
            addressSpace.lock(target.startAddress(), target.lengthBytes(), onFault ? LockMode.ON_FAULT : LockMode.POPULATE);
        } catch (final VmException e) {
            if (e.errno() != Errno.ENOMEM || target.protection() != Protection.NONE) {
                throw e;
            }
        }
    }

    private static int countPieces(final List<Mapping> layout, final long fromAddress, final long endAddress) {
        int pieces = 0;
        for (final Mapping vma : layout) {
            if (vma.endAddress() > fromAddress && vma.startAddress() < endAddress) {
                pieces++;
            }
        }
        return pieces;
    }
}
