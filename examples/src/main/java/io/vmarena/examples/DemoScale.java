package io.vmarena.examples;

import io.vmarena.vm.AddressSpace;

/**
 * The sizes of the demo's arena and of what it fills it with. On Linux: 2 MiB segments and
 * 256 MiB of blocks. The simulator's address space is 1 GiB and its moves copy bytes, so there
 * every size but the small blocks' is divided by {@link #SIMULATOR_DIVISOR}: the same story,
 * the same proportions (a small block still fits many times in a segment), an eighth of the bytes.
 *
 * @param divisor 1 on Linux, {@link #SIMULATOR_DIVISOR} on the simulator
 * @param segmentBytes the arena's segment size
 * @param fillBytes the bytes the fill asks for in all, half in small blocks, half in large
 * @param smallMinBytes the smallest small block
 * @param smallMaxBytes the largest small block (sizes between are drawn log-uniformly)
 * @param largeMinBytes the smallest large block: more than a quarter segment, so a run
 * @param largeMaxBytes the largest large block (sizes between are drawn uniformly)
 */
record DemoScale(int divisor, long segmentBytes, long fillBytes, long smallMinBytes, long smallMaxBytes,
    long largeMinBytes, long largeMaxBytes) {
    static final int SIMULATOR_DIVISOR = 8;
    private static final long MIB = 1L << 20;

    static DemoScale of(final AddressSpace space) {
        final int divisor = isSimulated(space) ? SIMULATOR_DIVISOR : 1;
        final long segmentBytes = 2 * MIB / divisor;
        return new DemoScale(divisor, segmentBytes, 256 * MIB / divisor, 16, 16 * 1024, segmentBytes / 2,
            segmentBytes * 5 / 2);
    }

    /** By the backend's name, so that a wrapped simulator (in tests) counts as one. */
    static boolean isSimulated(final AddressSpace space) {
        return space.capabilities().backend().startsWith("sim");
    }
}
