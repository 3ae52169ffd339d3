package io.vmarena.linux;

import io.vmarena.Arena;
import io.vmarena.PinDecision;
import io.vmarena.PinningPolicy;
import io.vmarena.ReadSection;
import io.vmarena.Threading;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;

import java.util.ArrayList;
import java.util.List;

/**
 * For {@link LinuxPinningPolicyTest}, run unprivileged with a small RLIMIT_MEMLOCK: three shared
 * arenas of 8, 10 and 4 segments of {@code args[0]} bytes, the first read most, the second less,
 * the third not at all; one round of a pinning policy; then prints each decision
 * ({@code decision NAME OUTCOME PINNED_SEGMENTS}), VmLck and the arenas' pinned bytes
 * ({@code vmlck BYTES arenas BYTES}), and whether every arena still allocates and frees.
 */
public final class PinningPolicyChild {
    private PinningPolicyChild() {
    }

    public static void main(final String[] args) {
        final long segmentBytes = Long.parseLong(args[0]);
        final AddressSpace space = AddressSpaces.open("linux");
        final List<Arena> arenas = new ArrayList<>();
        try (PinningPolicy policy = PinningPolicy.builder().manual().build()) {
            final int[] segments = {8, 10, 4};
            final int[] reads = {50, 20, 0};
            for (int index = 0; index < segments.length; index++) {
                final Arena arena = Arena.builder().name("arena" + index).addressSpace(space)
                    .threading(Threading.SHARED).segmentBytes(segmentBytes).initialBytes(32 * segmentBytes)
                    .retainedBytes(0).build();
                arenas.add(arena);
                policy.register(arena, 1);
                for (int segment = 0; segment < segments[index]; segment++) {
                    arena.allocate(segmentBytes);
                }
                for (int read = 0; read < reads[index]; read++) {
                    try (ReadSection section = arena.read()) {
                        section.hashCode(); // entered: activity
                    }
                }
            }
            for (final PinDecision decision : policy.decide()) {
                System.out.println("decision " + decision.arenaName() + " " + decision.outcome() + " "
                    + decision.pinnedBytes() / segmentBytes);
                System.out.println("reason " + decision.arenaName() + " " + decision.reason());
            }
            long pinnedBytes = 0;
            for (final Arena arena : arenas) {
                pinnedBytes += arena.stats().pin().pinnedBytes();
            }
            System.out.println("vmlck " + space.lockedBytes() + " arenas " + pinnedBytes);
            for (final Arena arena : arenas) {
                arena.free(arena.allocate(3 * segmentBytes)); // past every share: grows on, unpinned
            }
            System.out.println("working " + space.lockedBytes());
        } finally {
            for (final Arena arena : arenas) {
                arena.close();
            }
        }
        System.out.println("closed " + space.lockedBytes());
    }
}
