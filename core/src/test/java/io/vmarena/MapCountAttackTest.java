package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.VmException;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9 attack on vm.max_map_count: a workload of allocations, run growth in place and by
 * moving, frees and trims under every limit from too few to build to enough. Each refusal is
 * the documented one (VmException from build, ArenaFullException after), no byte of a live
 * block is lost, and close leaves nothing mapped and nothing held.
 */
class MapCountAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldRefuseOnlyWithArenaFullAtEveryMapCountLimit() {
        int refusals = 0;
        int completed = 0;
        for (final String kernel : new String[] {"6.17", "6.1"}) {
            for (long room = 0; room <= 16; room++) {
                // The JVM's own mappings take all but a few VMAs of the limit.
                final KernelProfile profile = KernelProfile.forKernel(kernel).withMaxMapCount(64)
                    .withOtherMappings(64 - room);
                final String step = kernel + " with room for " + room + " VMAs";
                final SimulatedAddressSpace simulator = new SimulatedAddressSpace(profile);
                final Arena arena;
                try {
                    arena = Arena.builder().addressSpace(simulator).segmentBytes(SEGMENT_BYTES)
                        .initialBytes(4 * SEGMENT_BYTES).maximumBytes(64 * SEGMENT_BYTES).retainedBytes(0).build();
                } catch (final VmException tooFew) {
                    assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), step + ": a failed build leaves nothing");
                    simulator.close();
                    continue;
                }
                final LiveBlocks blocks = new LiveBlocks(simulator);
                for (int index = 0; index < 24; index++) {
                    try {
                        workloadStep(arena, blocks, index);
                    } catch (final ArenaFullException full) {
                        refusals++;
                    }
                    blocks.checkAll(arena::address, arena::capacity, step + ", step " + index);
                }
                completed++;
                arena.close();
                assertEquals(List.of(), simulator.mappings(0, Long.MAX_VALUE), step + ": close left mappings");
                simulator.close();
            }
        }
        assertTrue(refusals > 0 && completed > 5, "refusals " + refusals + ", workloads " + completed);
    }

    private static void workloadStep(final Arena arena, final LiveBlocks blocks, final int index) {
        switch (index % 6) {
            case 0:
            case 3: {
                final long length = index % 4 == 0 ? 2 * SEGMENT_BYTES + 100 : 300;
                final long handle = arena.allocate(length);
                blocks.write(arena.address(handle), blocks.add(handle, length, index), 0);
                break;
            }
            case 1: {
                if (blocks.size() > 0) {
                    final LiveBlocks.Block block = blocks.blocks().get(index % blocks.size());
                    final long length = block.lengthBytes + 3 * SEGMENT_BYTES;
                    final long handle = arena.reallocate(block.handle, length);
                    final long kept = block.lengthBytes;
                    block.handle = handle;
                    block.lengthBytes = length;
                    blocks.write(arena.address(handle), block, kept);
                }
                break;
            }
            case 2:
            case 5:
                if (blocks.size() > 2) {
                    arena.free(blocks.remove(0).handle);
                }
                break;
            default:
                arena.trim(Long.MAX_VALUE);
                break;
        }
    }
}
