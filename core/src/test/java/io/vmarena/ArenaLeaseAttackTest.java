package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.AddressSpace;
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
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 9 attack: a caller with the arena's address space and a lease of its own tries every
 * way to change the arena's range. The promise: nothing but the arena changes it, every
 * refusal is an {@link IllegalArgumentException} naming the arena (or the kernel's own refusal,
 * which changes nothing), and the arena stays fully usable (every byte of every block checked).
 */
class ArenaLeaseAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;
    private static final long INITIAL_BYTES = 8 * SEGMENT_BYTES;

    /**
     * A caller that holds its own page right beside the arena's range must not take the
     * arena's range over with it (holds of different leases that touch were merged, the
     * caller's lease winning: it could then unmap the arena, and the arena's own calls were
     * refused).
     */
    @Test
    void shouldKeepTheArenasRangeItsOwnWhenACallerHoldsThePagesBesideIt() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final LiveBlocks blocks = new LiveBlocks(simulator);
            final Arena arena = builder(simulator).name("victim").build();
            fill(arena, blocks);
            final long base = arena.baseAddress();
            final long page = simulator.pageSize();
            final Lease hostile = new Lease("caller 'hostile'");
            final AddressSpace acting = simulator.actingFor(hostile);
            final long below = simulator.map(base - page, page, Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE);
            final long above = simulator.map(base + INITIAL_BYTES, page, Protection.READ_WRITE,
                MapFlags.FIXED_NOREPLACE);
            simulator.hold(hostile, below, page);
            simulator.hold(hostile, above, page);

            assertRefusedNamingTheArena(() -> acting.unmap(base, INITIAL_BYTES));
            assertRefusedNamingTheArena(() -> acting.advise(base, INITIAL_BYTES, Advice.DONTNEED));
            assertRefusedNamingTheArena(() -> acting.protect(base + INITIAL_BYTES - page, 2 * page, Protection.NONE));
            blocks.checkAll(arena::address, arena::capacity, "after the attack");
            growAndMove(arena, blocks);
            arena.close();
            acting.unmap(below, page);
            acting.unmap(above, page);
            simulator.unhold(hostile, below, page);
            simulator.unhold(hostile, above, page);
            assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), "nothing left mapped");
        }
    }

    /**
     * Every changing call over the arena's range, fully or partly overlapping, with zero,
     * unaligned and wrapping lengths, made plainly, through a caller's own lease, and through
     * {@link LeasedCalls} with a null or a foreign lease: each is refused naming the arena, or
     * refused by the kernel, and none changes a page of the arena's range or a byte of its blocks.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"6.17", "6.1", "6.17 64K"})
    void shouldRefuseEveryCallOverTheArenasRangeFromEveryCaller(final String build) {
        final KernelProfile profile = build.endsWith("64K")
            ? KernelProfile.LINUX_6_17.withPageSize(64L << 10).withZeroPage(false) : KernelProfile.forKernel(build);
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(profile)) {
            final LiveBlocks blocks = new LiveBlocks(simulator);
            final Arena arena = builder(simulator).name("victim").build();
            fill(arena, blocks);
            final long base = arena.baseAddress();
            final long end = base + INITIAL_BYTES;
            final long page = simulator.pageSize();
            final Lease hostile = new Lease("caller 'hostile'");
            final long below = simulator.map(base - 2 * page, 2 * page, Protection.READ_WRITE,
                MapFlags.FIXED_NOREPLACE);
            simulator.hold(hostile, below, 2 * page);
            final long[] far = {simulator.map(0, 4 * page, Protection.READ_WRITE, MapFlags.NONE)};
            final List<String> layout = layout(simulator, base, end);
            final LeasedCalls leased = simulator;
            final List<AddressSpace> callers = List.of(simulator, simulator.actingFor(hostile),
                simulator.actingFor(new Lease("caller 'stranger'")));
            final long[] addresses = {base, base + page, base - page, end - page, base + 1, base + SEGMENT_BYTES};
            final long[] lengths = {0, 1, page, 2 * page, INITIAL_BYTES, INITIAL_BYTES + 4 * page, -1, -page,
                Long.MAX_VALUE, Long.MIN_VALUE, -base};
            int calls = 0;
            for (final long address : addresses) {
                for (final long length : lengths) {
                    final List<Call> attempts = new ArrayList<>();
                    for (final AddressSpace caller : callers) {
                        attempts.addAll(calls(caller, address, length, far));
                    }
                    for (final Lease lease : new Lease[] {null, hostile}) {
                        attempts.add(new Call("leased unmap", () -> leased.unmap(lease, address, length)));
                        attempts.add(new Call("leased protect",
                            () -> leased.protect(lease, address, length, Protection.READ)));
                        attempts.add(new Call("leased advise",
                            () -> leased.advise(lease, address, length, Advice.DONTNEED)));
                        attempts.add(new Call("leased remap", () -> leased.remap(lease, address, length, length,
                            RemapFlags.MAYMOVE, 0)));
                    }
                    for (final Call attempt : attempts) {
                        calls++;
                        final String what = attempt.name + "(0x" + Long.toHexString(address) + ", " + length + ")";
                        try {
                            attempt.body.run();
                        } catch (final IllegalArgumentException refused) {
                            assertTrue(refused.getMessage().contains("leased to")
                                || refused.getMessage().contains("not memory this address space mapped")
                                || refused.getMessage().contains("beyond user space"), what + ": " + refused.getMessage());
                        } catch (final VmException kernel) {
                            // the kernel's refusal: must have changed nothing, checked below
                        }
                        assertEquals(layout, layout(simulator, base, end), what + " changed the arena's range");
                        if (simulator.mappings(far[0], far[0] + 4 * page).size() != 1) {
                            far[0] = simulator.map(0, 4 * page, Protection.READ_WRITE, MapFlags.NONE);
                        }
                    }
                    blocks.checkAll(arena::address, arena::capacity, "after calls at 0x" + Long.toHexString(address)
                        + " of " + length + " bytes");
                }
            }
            assertTrue(calls > 1000, "calls made: " + calls);
            growAndMove(arena, blocks);
            arena.close();
            simulator.unhold(hostile, 0, Long.MAX_VALUE - page); // wherever its moves took its holds
            for (final Mapping left : simulator.mappings(0, Long.MAX_VALUE)) {
                simulator.unmap(left.startAddress(), left.endAddress() - left.startAddress());
            }
        }
    }

    /**
     * A caller's hold over the arena's range, whole or in part, is refused naming the arena;
     * unhold with another lease or none lets nothing go; the arena keeps working.
     */
    @Test
    void shouldRefuseHoldsOverTheArenasRangeAndIgnoreOtherLeasesUnholds() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final LiveBlocks blocks = new LiveBlocks(simulator);
            final Arena arena = builder(simulator).name("victim").build();
            fill(arena, blocks);
            final long base = arena.baseAddress();
            final long page = simulator.pageSize();
            final Lease hostile = new Lease("caller 'hostile'");
            final long below = simulator.map(base - page, page, Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE);

            assertRefusedNamingTheArena(() -> simulator.hold(hostile, base, INITIAL_BYTES));
            assertRefusedNamingTheArena(() -> simulator.hold(hostile, below, 2 * page));
            assertRefusedNamingTheArena(() -> simulator.hold(hostile, base + INITIAL_BYTES - page, page));
            for (final Lease other : new Lease[] {hostile, new Lease("arena 'victim'")}) {
                simulator.unhold(other, base - page, INITIAL_BYTES + 2 * page);
            }
            simulator.unhold(null, base, INITIAL_BYTES);
            assertRefusedNamingTheArena(() -> simulator.unmap(base, INITIAL_BYTES));
            assertRefusedNamingTheArena(() -> simulator.actingFor(hostile).protect(base, page, Protection.NONE));
            assertThrows(NullPointerException.class, () -> simulator.hold(null, below, page));
            simulator.hold(hostile, below, page);
            simulator.actingFor(hostile).unmap(below, page); // a hole the caller holds, right below the arena
            blocks.checkAll(arena::address, arena::capacity, "after the attack");
            growAndMove(arena, blocks);
            arena.close();
            simulator.unhold(hostile, below, page);
            assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), "nothing left mapped");
        }
    }

    /**
     * A hole a caller holds right after the arena's range: growth in place must not throw the
     * address space's refusal (an IllegalArgumentException allocate does not document) but
     * move the arena, as for any other neighbour.
     */
    @Test
    void shouldGrowByMovingWhenACallerHoldsTheHoleAfterTheArena() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final LiveBlocks blocks = new LiveBlocks(simulator);
            final Arena arena = builder(simulator).name("victim").build();
            fill(arena, blocks);
            final long end = arena.baseAddress() + INITIAL_BYTES;
            final long page = simulator.pageSize();
            final Lease hostile = new Lease("caller 'hostile'");
            simulator.map(end, page, Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE);
            simulator.hold(hostile, end, page);
            simulator.actingFor(hostile).unmap(end, page);

            final long big = arena.allocate(INITIAL_BYTES);

            assertTrue(arena.baseAddress() + INITIAL_BYTES != end, "moved");
            blocks.add(big, INITIAL_BYTES, 99);
            blocks.write(arena.address(big), blocks.blocks().get(blocks.size() - 1), 0);
            blocks.checkAll(arena::address, arena::capacity, "after the growth");
            growAndMove(arena, blocks);
            arena.close();
            simulator.unhold(hostile, end, page);
            assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), "nothing left mapped");
        }
    }

    /**
     * A caller holds a hole where the kernel places the next mapping (the top of the simulated
     * process): the arena's reservation must neither take that hole (it is the caller's) nor
     * fail to build or grow because the kernel put its first try there.
     */
    @Test
    void shouldBuildAndGrowAroundAHoleACallerHoldsWhereTheKernelPlacesMappings() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final Lease hostile = new Lease("caller 'hostile'");
            final long page = simulator.pageSize();
            final long top = simulator.map(0, 16 * page, Protection.READ_WRITE, MapFlags.NONE);
            simulator.hold(hostile, top, 16 * page);
            simulator.actingFor(hostile).unmap(top, 16 * page);
            final LiveBlocks blocks = new LiveBlocks(simulator);

            final Arena arena = builder(simulator).name("victim").inPlaceGrowth(false).build();

            fill(arena, blocks);
            growAndMove(arena, blocks);
            assertEquals(List.of(), simulator.mappings(top, top + 16 * page), "the caller's hole is still a hole");
            simulator.actingFor(hostile).map(top, 16 * page, Protection.READ, MapFlags.FIXED_NOREPLACE);
            arena.close();
            simulator.unhold(hostile, top, 16 * page);
            simulator.unmap(top, 16 * page);
            assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), "nothing left mapped");
        }
    }

    /**
     * In the window between a move and the arena reserving the vacated hole again, a caller
     * tries to take the hole: hold it, map over it, let the kernel place a mapping or a move at
     * it as a hint. Each is refused or lands elsewhere, so the arena reserves its hole again
     * and keeps every segment usable.
     */
    @Test
    void shouldKeepAVacatedHoleTheArenasWhileItIsUnmapped() {
        try (SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            final Lease hostile = new Lease("caller 'hostile'");
            final AddressSpace acting = simulator.actingFor(hostile);
            final long page = simulator.pageSize();
            final long own = simulator.map(0, 2 * page, Protection.READ_WRITE, MapFlags.NONE);
            simulator.hold(hostile, own, 2 * page);
            final List<String> outcomes = new ArrayList<>();
            final io.vmarena.support.ForwardingAddressSpace space = new io.vmarena.support.ForwardingAddressSpace(
                simulator) {
                private boolean attacked;

                @Override
                public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes,
                    final int flags, final long newAddress) {
                    final long result = super.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
                    if (!attacked && (flags & RemapFlags.FIXED) != 0) {
                        attacked = true;
                        attack(oldAddress);
                    }
                    return result;
                }

                private void attack(final long hole) {
                    for (final Runnable call : List.<Runnable>of(
                        () -> simulator.hold(hostile, hole, page),
                        () -> acting.map(hole, page, Protection.READ_WRITE, MapFlags.FIXED_NOREPLACE),
                        () -> acting.map(hole, page, Protection.READ_WRITE, MapFlags.FIXED),
                        () -> outcomes.add("placed " + (acting.map(hole, page, Protection.READ, MapFlags.NONE) == hole)),
                        () -> outcomes.add("moved " + (acting.remap(own, page, page,
                            RemapFlags.MAYMOVE | RemapFlags.DONTUNMAP, hole) == hole)))) {
                        try {
                            call.run();
                        } catch (final IllegalArgumentException refused) {
                            outcomes.add(refused.getMessage().contains("leased to arena 'victim'") ? "refused"
                                : refused.getMessage());
                        }
                    }
                }
            };
            final LiveBlocks blocks = new LiveBlocks(space);
            final Arena arena = builder(space).name("victim").build();
            fill(arena, blocks);
            final int freeBefore = arena.stats().freeSegments();
            final LiveBlocks.Block run = blocks.blocks().get(3);
            final long allocatedAfter = arena.allocate(SEGMENT_BYTES); // the run cannot grow in place
            blocks.write(arena.address(allocatedAfter), blocks.add(allocatedAfter, SEGMENT_BYTES, 5), 0);

            run.handle = arena.reallocate(run.handle, 3 * SEGMENT_BYTES);

            assertEquals(List.of("refused", "refused", "refused", "placed false", "moved false"), outcomes);
            assertTrue(arena.stats().freeSegments() >= freeBefore - 2, "the vacated segments are usable: "
                + arena.stats());
            blocks.checkAll(arena::address, arena::capacity, "after the attack in the window");
            growAndMove(arena, blocks);
            arena.close();
            simulator.unhold(hostile, 0, Long.MAX_VALUE - page);
            for (final Mapping left : simulator.mappings(0, Long.MAX_VALUE)) {
                simulator.unmap(left.startAddress(), left.endAddress() - left.startAddress());
            }
        }
    }

    /** The changing calls of one caller at {@code address}: from it, onto it, over it. */
    private static List<Call> calls(final AddressSpace caller, final long address, final long length,
        final long[] far) {
        final int move = RemapFlags.MAYMOVE | RemapFlags.FIXED;
        return List.of(
            new Call("map FIXED", () -> caller.map(address, length, Protection.READ_WRITE, MapFlags.FIXED)),
            new Call("map FIXED_NOREPLACE", () -> caller.map(address, length, Protection.READ_WRITE,
                MapFlags.FIXED_NOREPLACE)),
            new Call("unmap", () -> caller.unmap(address, length)),
            new Call("protect", () -> caller.protect(address, length, Protection.NONE)),
            new Call("remap away", () -> caller.remap(address, length, length, move, far[0])),
            new Call("remap grow", () -> caller.remap(address, length, length + (2L << 20), RemapFlags.MAYMOVE, 0)),
            new Call("remap shrink", () -> caller.remap(address, length, 1, 0, 0)),
            new Call("remap onto", () -> caller.remap(far[0], Math.min(length, 4096 * 4L), length, move, address)),
            new Call("lock", () -> caller.lock(address, length, LockMode.ON_FAULT)),
            new Call("unlock", () -> caller.unlock(address, length)),
            new Call("advise", () -> caller.advise(address, length, Advice.DONTNEED)));
    }

    private static final class Call {
        final String name;
        final Runnable body;

        Call(final String name, final Runnable body) {
            this.name = name;
            this.body = body;
        }
    }

    /** The arena's range as VMAs clipped to it, with protection and lock state. */
    private static List<String> layout(final SimulatedAddressSpace simulator, final long from, final long to) {
        final List<String> layout = new ArrayList<>();
        for (final Mapping vma : simulator.mappings(from, to, MappingSource.SMAPS)) {
            layout.add("[" + Long.toHexString(Math.max(from, vma.startAddress())) + ", "
                + Long.toHexString(Math.min(to, vma.endAddress())) + ") " + vma.protection().symbol()
                + (vma.locked() ? " locked" : "") + " resident " + vma.residentPages());
        }
        return layout;
    }

    private static void assertRefusedNamingTheArena(final org.junit.jupiter.api.function.Executable call) {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, call);
        assertTrue(refused.getMessage().contains("leased to arena 'victim'"), refused.getMessage());
    }

    /** Small blocks, a run of two segments, each written with its pattern. */
    private static void fill(final Arena arena, final LiveBlocks blocks) {
        final long[] lengths = {16, 100, 4000, 2 * SEGMENT_BYTES, 24, 1000};
        for (int index = 0; index < lengths.length; index++) {
            final LiveBlocks.Block block = blocks.add(arena.allocate(lengths[index]), lengths[index], 1000 + index);
            blocks.write(arena.address(block.handle), block, 0);
        }
    }

    /** Grows the arena past its range and moves its run, checking every byte after each. */
    private static void growAndMove(final Arena arena, final LiveBlocks blocks) {
        final LiveBlocks.Block run = blocks.blocks().get(3);
        run.handle = arena.reallocate(run.handle, 6 * SEGMENT_BYTES);
        blocks.checkAll(arena::address, arena::capacity, "after moving the run");
        final LiveBlocks.Block grown = blocks.add(arena.allocate(3 * INITIAL_BYTES), 3 * INITIAL_BYTES, 77);
        blocks.write(arena.address(grown.handle), grown, 0);
        blocks.checkAll(arena::address, arena::capacity, "after growing");
        arena.free(blocks.remove(0).handle);
        if (arena.trim(Long.MAX_VALUE) < 0) {
            fail("trim gave back a negative count");
        }
        blocks.checkAll(arena::address, arena::capacity, "after trim");
    }

    private static Arena.Builder builder(final AddressSpace space) {
        return Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).initialBytes(INITIAL_BYTES)
            .maximumBytes(64 * SEGMENT_BYTES);
    }
}
