package io.vmarena;

import io.vmarena.support.ForwardingAddressSpace;
import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.Errno;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.Protection;
import io.vmarena.vm.RemapFlags;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 9 attack: for each arena operation that makes system calls, the n-th call that changes
 * memory (map, unmap, mprotect, mremap) fails, for every n until the operation makes fewer
 * calls; once with that call alone failing, once with every later call failing too (so an undo
 * fails). After each: the exception is a documented one, no byte of a live block is lost, the
 * arena is either usable or failed with a message saying what happened, and close unmaps
 * everything it owns and lets go of every hold (the simulator then closes).
 */
class ArenaFailureSweepTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    /** An operation and the arena state it starts from. */
    enum Operation {
        ALLOCATE_GROWING_IN_PLACE(true, false) {
            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                allocate(arena, blocks, 8 * SEGMENT_BYTES, 50);
            }
        },
        ALLOCATE_GROWING_BY_MOVING_MANY_STRETCHES(false, false) {
            @Override
            void setUp(final Arena arena, final LiveBlocks blocks) {
                ArenaMoveFailureTest.fragmentIntoManyVmas(arena, blocks);
            }

            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                allocate(arena, blocks, 8 * SEGMENT_BYTES, 51);
            }
        },
        ALLOCATE_GROWING_BY_MOVING_AROUND_A_FOREIGN_HOLE(false, true) {
            @Override
            void setUp(final Arena arena, final LiveBlocks blocks) {
                ArenaMoveFailureTest.fragmentIntoManyVmas(arena, blocks);
            }

            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                allocate(arena, blocks, 8 * SEGMENT_BYTES, 52);
            }
        },
        REALLOCATE_RUN_IN_PLACE(true, false) {
            @Override
            void setUp(final Arena arena, final LiveBlocks blocks) {
                allocate(arena, blocks, 100, 53);
                allocate(arena, blocks, 2 * SEGMENT_BYTES, 54);
            }

            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                reallocate(arena, blocks, 1, 5 * SEGMENT_BYTES);
            }
        },
        REALLOCATE_RUN_BY_MOVING(true, false) {
            @Override
            void setUp(final Arena arena, final LiveBlocks blocks) {
                allocate(arena, blocks, 100, 55);
                allocate(arena, blocks, 2 * SEGMENT_BYTES, 56);
                allocate(arena, blocks, SEGMENT_BYTES, 57);
            }

            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                reallocate(arena, blocks, 1, 4 * SEGMENT_BYTES);
            }
        },
        REALLOCATE_RUN_BY_MOVING_PAST_A_FOREIGN_HOLE(true, true) {
            @Override
            void setUp(final Arena arena, final LiveBlocks blocks) {
                REALLOCATE_RUN_BY_MOVING.setUp(arena, blocks);
            }

            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                reallocate(arena, blocks, 1, 4 * SEGMENT_BYTES);
                allocate(arena, blocks, 12 * SEGMENT_BYTES, 58); // grows around the hole
            }
        },
        REALLOCATE_SMALL_TO_LARGE_AND_BACK(true, false) {
            @Override
            void setUp(final Arena arena, final LiveBlocks blocks) {
                allocate(arena, blocks, 1000, 59);
                allocate(arena, blocks, 6 * SEGMENT_BYTES, 60);
            }

            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                reallocate(arena, blocks, 0, 3 * SEGMENT_BYTES);
                reallocate(arena, blocks, 0, 700);
            }
        },
        TRIM(true, false) {
            @Override
            void setUp(final Arena arena, final LiveBlocks blocks) {
                allocate(arena, blocks, 100, 61);
                final long run = arena.allocate(3 * SEGMENT_BYTES);
                arena.free(arena.allocate(2 * SEGMENT_BYTES));
                arena.free(run);
            }

            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                arena.trim(Long.MAX_VALUE);
            }
        },
        FREE_BEYOND_THE_RETAINED_CEILING(true, false) {
            @Override
            void setUp(final Arena arena, final LiveBlocks blocks) {
                allocate(arena, blocks, 100, 62);
                allocate(arena, blocks, 3 * SEGMENT_BYTES, 63);
            }

            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                arena.free(blocks.blocks().get(1).handle);
                blocks.remove(1);
            }
        },
        CLOSE(true, false) {
            @Override
            void setUp(final Arena arena, final LiveBlocks blocks) {
                REALLOCATE_RUN_BY_MOVING.setUp(arena, blocks);
                reallocate(arena, blocks, 1, 4 * SEGMENT_BYTES);
            }

            @Override
            void run(final Arena arena, final LiveBlocks blocks) {
                arena.close();
            }
        };

        final boolean inPlaceGrowth;
        /** Whether a foreign page takes the hole the first move leaves (malloc in the hole). */
        final boolean intrude;

        Operation(final boolean inPlaceGrowth, final boolean intrude) {
            this.inPlaceGrowth = inPlaceGrowth;
            this.intrude = intrude;
        }

        void setUp(final Arena arena, final LiveBlocks blocks) {
            allocate(arena, blocks, 100, 40);
            allocate(arena, blocks, 3000, 41);
            allocate(arena, blocks, 7 * SEGMENT_BYTES, 42);
        }

        abstract void run(Arena arena, LiveBlocks blocks);
    }

    @ParameterizedTest
    @EnumSource(Operation.class)
    void shouldKeepEveryPromiseWhenAnySystemCallOfTheOperationFails(final Operation operation) {
        for (final String kernel : new String[] {"6.17", "6.1"}) {
            for (final boolean keepFailing : new boolean[] {false, true}) {
                int call = 0;
                while (sweep(operation, KernelProfile.forKernel(kernel), call, keepFailing)) {
                    call++;
                    assertTrue(call < 60, operation + " made more calls than expected");
                }
                assertTrue(call > 0 || operation == Operation.FREE_BEYOND_THE_RETAINED_CEILING
                    || operation == Operation.TRIM, operation + " made no call to fail");
            }
        }
    }

    /**
     * Building: the n-th call of the reservation fails. The build throws VmException (what
     * build documents for a refused reservation), or succeeds; either way nothing is left mapped
     * or held once the arena (if any) is closed.
     */
    @org.junit.jupiter.api.Test
    void shouldLeaveNothingBehindWhenAnyCallOfABuildFails() {
        for (final boolean keepFailing : new boolean[] {false, true}) {
            int call = 0;
            boolean fired = true;
            while (fired) {
                final String step = "build, call " + call + (keepFailing ? " and every later one" : "") + " failing";
                final SimulatedAddressSpace simulator = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
                final CallFailingAddressSpace space = new CallFailingAddressSpace(simulator);
                space.fail(call, keepFailing);
                Arena built = null;
                try {
                    built = Arena.builder().addressSpace(space).segmentBytes(SEGMENT_BYTES).initialBytes(8 * SEGMENT_BYTES)
                        .maximumBytes(64 * SEGMENT_BYTES).build();
                } catch (final VmException refused) {
                    // documented
                } catch (final RuntimeException other) {
                    throw new AssertionError(step + ": an exception build does not document", other);
                }
                fired = space.fired;
                space.fail(-1, false);
                if (built != null) {
                    built.free(built.allocate(100));
                    built.close();
                }
                if (keepFailing) {
                    // munmap kept failing: what is left must at least be no one's hold
                    for (final Mapping stuck : simulator.mappings(0, Long.MAX_VALUE)) {
                        simulator.unmap(stuck.startAddress(), stuck.lengthBytes());
                    }
                }
                assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), step + ": left mappings");
                simulator.close();
                call++;
                assertTrue(call < 40, "a build makes a few calls");
            }
        }
    }

    /** One run with the {@code failing}-th call failing; false when the operation made fewer calls. */
    private static boolean sweep(final Operation operation, final KernelProfile profile, final int failing,
        final boolean keepFailing) {
        final String step = operation + " on " + profile.kernel() + ", call " + failing + (keepFailing
            ? " and every later one" : "") + " failing";
        final SimulatedAddressSpace simulator = new SimulatedAddressSpace(profile);
        final CallFailingAddressSpace space = new CallFailingAddressSpace(simulator);
        final LiveBlocks blocks = new LiveBlocks(space);
        final Arena arena = Arena.builder().addressSpace(space).name("swept").segmentBytes(SEGMENT_BYTES)
            .initialBytes(8 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(SEGMENT_BYTES)
            .inPlaceGrowth(operation.inPlaceGrowth).build();
        operation.setUp(arena, blocks);
        blocks.checkAll(arena::address, arena::capacity, step + ": set up");
        space.intrudeOnNextMove = operation.intrude;
        space.fail(failing, keepFailing);
        RuntimeException thrown = null;
        try {
            operation.run(arena, blocks);
        } catch (final RuntimeException failure) {
            thrown = failure;
        }
        final boolean fired = space.fired;
        space.fail(-1, false);
        if (!fired && thrown != null) {
            throw new AssertionError(step + ": failed with no call failing", thrown);
        }
        if (thrown == null || thrown instanceof ArenaFullException) {
            if (operation != Operation.CLOSE) {
                blocks.checkAll(arena::address, arena::capacity, step + ": after " + thrown);
                allocate(arena, blocks, 2 * SEGMENT_BYTES, 70);
                allocate(arena, blocks, 200, 71);
                reallocate(arena, blocks, blocks.size() - 2, 3 * SEGMENT_BYTES);
                blocks.checkAll(arena::address, arena::capacity, step + ": still usable");
            }
        } else if (thrown instanceof IllegalStateException && thrown.getMessage().contains("arena 'swept'")
            && (thrown.getMessage().contains("has failed") || thrown.getMessage().contains("could not unmap"))) {
            final String message = thrown.getMessage();
            for (final Executable call : new Executable[] {() -> arena.allocate(64), () -> arena.trim(0),
                arena::stats, arena::read}) {
                assertEquals(message, assertThrows(IllegalStateException.class, call).getMessage(), step);
            }
        } else {
            throw new AssertionError(step + ": an exception the operation does not document", thrown);
        }
        arena.close();
        final List<Mapping> left = new ArrayList<>(simulator.mappings(0, Long.MAX_VALUE));
        left.removeAll(space.foreign);
        if (keepFailing) {
            // A probe for a reservation that munmap kept refusing to give back is no one's: it
            // must at least be held by no lease (a plain unmap is allowed), so nothing is stuck.
            for (final Mapping stuck : left) {
                try {
                    simulator.unmap(stuck.startAddress(), stuck.lengthBytes());
                } catch (final IllegalArgumentException held) {
                    throw new AssertionError(step + ": close left " + stuck + " held after " + thrown, held);
                }
            }
        } else {
            assertEquals(List.of(), left, step + ": close left mappings");
        }
        for (final Mapping foreign : space.foreign) {
            simulator.unmapForeign(foreign.startAddress(), foreign.lengthBytes());
        }
        simulator.close(); // refused if any hold is left
        return fired;
    }

    private static void allocate(final Arena arena, final LiveBlocks blocks, final long lengthBytes, final long seed) {
        final long handle = arena.allocate(lengthBytes);
        blocks.write(arena.address(handle), blocks.add(handle, lengthBytes, seed), 0);
    }

    /** Resizes block {@code index} and writes its new bytes; the model changes only if the call succeeds. */
    private static void reallocate(final Arena arena, final LiveBlocks blocks, final int index, final long lengthBytes) {
        final LiveBlocks.Block block = blocks.blocks().get(index);
        final long handle = arena.reallocate(block.handle, lengthBytes);
        final long kept = Math.min(block.lengthBytes, lengthBytes);
        block.handle = handle;
        blocks.check(arena.address(handle), block.seed, kept, "the kept bytes of a reallocated block");
        block.lengthBytes = lengthBytes;
        blocks.write(arena.address(handle), block, kept);
    }

    /**
     * Fails the n-th call that changes memory (ENOMEM, as for page tables or the map count),
     * and, on request, every call after it; optionally puts a foreign page where the first
     * fixed move began.
     */
    private static final class CallFailingAddressSpace extends ForwardingAddressSpace {
        private int callsBeforeFailure = -1;
        private boolean keepFailing;
        boolean fired;
        boolean intrudeOnNextMove;
        final List<Mapping> foreign = new ArrayList<>();

        CallFailingAddressSpace(final SimulatedAddressSpace space) {
            super(space);
        }

        void fail(final int calls, final boolean keep) {
            callsBeforeFailure = calls;
            keepFailing = keep;
            fired = false;
        }

        private void maybeFail(final String operation) {
            if (callsBeforeFailure == 0) {
                fired = true;
                callsBeforeFailure = keepFailing ? 0 : -1;
                throw new VmException(operation, "injected", Errno.ENOMEM, "injected by the sweep");
            }
            if (callsBeforeFailure > 0) {
                callsBeforeFailure--;
            }
        }

        @Override
        public long map(final long address, final long lengthBytes, final Protection protection, final int flags) {
            maybeFail("mmap");
            return super.map(address, lengthBytes, protection, flags);
        }

        @Override
        public void unmap(final long address, final long lengthBytes) {
            maybeFail("munmap");
            super.unmap(address, lengthBytes);
        }

        @Override
        public void protect(final long address, final long lengthBytes, final Protection protection) {
            maybeFail("mprotect");
            super.protect(address, lengthBytes, protection);
        }

        @Override
        public long remap(final long oldAddress, final long oldLengthBytes, final long newLengthBytes, final int flags,
            final long newAddress) {
            maybeFail("mremap");
            final long result = super.remap(oldAddress, oldLengthBytes, newLengthBytes, flags, newAddress);
            if (intrudeOnNextMove && (flags & RemapFlags.FIXED) != 0) {
                intrudeOnNextMove = false;
                space.mapForeign(oldAddress, space.pageSize(), Protection.READ);
                foreign.add(Mapping.of(oldAddress, oldAddress + space.pageSize(), Protection.READ));
            }
            return result;
        }
    }
}
