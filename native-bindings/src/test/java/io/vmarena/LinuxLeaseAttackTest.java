package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Lease;
import io.vmarena.vm.LeasedCalls;
import io.vmarena.vm.LockMode;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.VmException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 9 attack on a real kernel: a caller with {@link AddressSpaces#system()} and a lease of
 * its own, holding the page right after an arena's range, tries every changing call over the
 * arena's range (whole, in part, unaligned, zero and wrapping lengths; plainly, for its lease,
 * for a stranger's, through {@link LeasedCalls} with no lease). Each is refused (naming a
 * holder, or by the kernel) and changes nothing: the range's layout is compared after every
 * call, before any byte is read (a call that unmapped it would otherwise crash the JVM), and
 * every byte of every block is checked after each batch. The arena then grows, moves a run
 * and closes.
 */
class LinuxLeaseAttackTest {
    private static final long SEGMENT_BYTES = 2L << 20;
    private static final long INITIAL_BYTES = 4 * SEGMENT_BYTES;

    @Test
    void shouldRefuseEveryCallOverTheArenasRangeFromEveryCaller() {
        final AddressSpace space = AddressSpaces.system();
        assumeTrue(space instanceof LeasedCalls, "needs the Linux backend: " + space);
        final LiveBlocks blocks = new LiveBlocks(space);
        final Arena arena = Arena.builder().addressSpace(space).name("victim").segmentBytes(SEGMENT_BYTES)
            .initialBytes(INITIAL_BYTES).maximumBytes(64 * SEGMENT_BYTES).build();
        final long page = space.pageSize();
        final Lease hostile = new Lease("caller 'hostile'");
        for (final long length : new long[] {100, 2 * SEGMENT_BYTES + 5, 64}) {
            final long handle = arena.allocate(length);
            blocks.write(arena.address(handle), blocks.add(handle, length, length), 0);
        }
        final long base = arena.stats().baseAddress(); // after the allocations: they may have moved it
        final long end = base + arena.stats().reservedBytes();
        final long above;
        try {
            above = space.map(end, page, Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE);
        } catch (final VmException occupied) {
            arena.close();
            assumeTrue(false, "the page after the arena is taken: " + occupied.getMessage());
            return;
        }
        try {
            space.hold(hostile, above, page);
            final long[] far = {space.map(0, 4 * page, Protection.READ_WRITE, MapFlags.NONE)};
            final List<String> layout = layout(space, base, end);
            final LeasedCalls leased = (LeasedCalls)space;
            final List<AddressSpace> callers = List.of(space, space.actingFor(hostile),
                space.actingFor(new Lease("caller 'stranger'")));
            int calls = 0;
            for (final long address : new long[] {base, base + page, end - page, base + 1}) {
                for (final long length : new long[] {0, 1, page, end - base, end - base + page, -1, -page,
                    Long.MAX_VALUE, -base}) {
                    final List<Runnable> attempts = new ArrayList<>();
                    for (final AddressSpace caller : callers) {
                        attempts.addAll(calls(caller, address, length, far));
                    }
                    attempts.add(() -> leased.unmap(null, address, length));
                    attempts.add(() -> leased.advise(null, address, length, Advice.DONTNEED));
                    for (final Runnable attempt : attempts) {
                        calls++;
                        try {
                            attempt.run();
                        } catch (final IllegalArgumentException refused) {
                            assertTrue(refused.getMessage().contains("leased to")
                                || refused.getMessage().contains("not memory this address space mapped")
                                || refused.getMessage().contains("beyond user space"), refused.getMessage());
                        } catch (final VmException kernel) {
                            // the kernel's refusal: it changed nothing, checked next
                        }
                        assertEquals(layout, layout(space, base, end), "call " + calls + " at 0x"
                            + Long.toHexString(address) + " of " + length + " bytes changed the arena's range");
                        if (space.mappings(far[0], far[0] + 4 * page).size() != 1) {
                            far[0] = space.map(0, 4 * page, Protection.READ_WRITE, MapFlags.NONE);
                        }
                    }
                    blocks.checkAll(arena::address, arena::capacity, "after calls at 0x" + Long.toHexString(address)
                        + " of " + length + " bytes");
                }
            }
            assertTrue(calls > 300, "calls made: " + calls);
            space.unmap(far[0], 4 * page);
            final LiveBlocks.Block run = blocks.blocks().get(1);
            run.handle = arena.reallocate(run.handle, 5 * SEGMENT_BYTES);
            final long grown = arena.allocate(3 * INITIAL_BYTES);
            blocks.write(arena.address(grown), blocks.add(grown, 3 * INITIAL_BYTES, 9), 0);
            blocks.checkAll(arena::address, arena::capacity, "after growing and moving");
        } finally {
            arena.close();
            space.unhold(hostile, above, page);
            space.unmap(above, page);
        }
        assertFalse(space.owns(base, page), "the arena's first range is no one's after close");
    }

    private static List<Runnable> calls(final AddressSpace caller, final long address, final long length,
        final long[] far) {
        final int move = RemapFlags.MAYMOVE | RemapFlags.FIXED;
        return List.of(
            () -> caller.map(address, length, Protection.READ_WRITE, MapFlags.FIXED),
            () -> caller.map(address, length, Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE),
            () -> caller.unmap(address, length),
            () -> caller.protect(address, length, Protection.NONE),
            () -> caller.remap(address, length, length, move, far[0]),
            () -> caller.remap(address, length, length + (2L << 20), RemapFlags.MAYMOVE, 0),
            () -> caller.remap(address, length, 1, 0, 0),
            () -> caller.remap(far[0], Math.min(length, 4 * caller.pageSize()), length, move, address),
            () -> caller.lock(address, length, LockMode.ON_FAULT),
            () -> caller.unlock(address, length),
            () -> caller.advise(address, length, Advice.DONTNEED));
    }

    /** The arena's range as VMAs clipped to it, with protection: read before any byte is. */
    private static List<String> layout(final AddressSpace space, final long from, final long to) {
        final List<String> layout = new ArrayList<>();
        for (final Mapping vma : space.mappings(from, to, MappingSource.PROC_MAPS)) {
            layout.add("[" + Long.toHexString(Math.max(from, vma.startAddress())) + ", "
                + Long.toHexString(Math.min(to, vma.endAddress())) + ") " + vma.protection().symbol());
        }
        return layout;
    }
}
