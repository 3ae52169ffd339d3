package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pinned arena under vm.max_map_count pressure: locking or unlocking part of a VMA splits it,
 * and a split at the limit is ENOMEM, after the VMAs before it were changed (L6, L14). Whatever
 * the kernel refused, the arena keeps every byte and its account of locked bytes stays exact:
 * pinnedBytes == locked VMAs == VmLck's delta after every step of the pinning model. Without
 * compaction: at this limit a compaction whose undo is refused too fails the arena (its
 * documented failure state, with or without pinning) before pinning's splits run out.
 */
class PinMapCountAttackTest {
    private static final long SEGMENT_BYTES = 64L << 10;

    @Test
    void shouldKeepExactLockAccountsWhenSplitsRunOutOfVmas() {
        for (long room = 4; room <= 24; room += 4) {
            for (final long seed : new long[] {21, 22}) {
                final KernelProfile profile = KernelProfile.LINUX_6_17.withMaxMapCount(128)
                    .withOtherMappings(128 - room).withMemlock(12 * SEGMENT_BYTES).withIpcLock(false);
                try (SimulatedAddressSpace space = new SimulatedAddressSpace(profile)) {
                    final String answer = new PinningModel(space, "mapcount-" + room, SEGMENT_BYTES, 0)
                        .withoutCompaction().run(seed, 300);
                    System.out.println("room " + room + ": " + answer);
                    assertTrue(answer.startsWith("ok "), answer);
                }
            }
        }
    }
}
