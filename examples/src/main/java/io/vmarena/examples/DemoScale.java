package io.vmarena.examples;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.sim.SimulatedAddressSpace;

import java.lang.management.ManagementFactory;

/**
 * The sizes of the demo's arena and of what it fills it with. On Linux: 2 MiB segments and
 * 256 MiB of blocks. The simulator's address space is 1 GiB and its moves copy bytes, so there
 * every size but the small blocks' is divided by {@link #SIMULATOR_DIVISOR}: the same story,
 * the same proportions (a small block still fits many times in a segment), an eighth of the bytes.
 * {@code vmarena demo --size} changes the bytes filled; the segments stay as they are.
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
    /** The fewest segments {@code --size} may fill: fewer leave no room for the story's large blocks. */
    static final int MIN_SEGMENTS = 8;
    /**
     * The most {@code --size} may fill on the simulator: its address space is
     * {@link SimulatedAddressSpace#DEFAULT_BLOCK_BYTES}, which the arena's growth by moving and the
     * compaction step's identical second arena must share.
     */
    static final long SIMULATOR_MAX_FILL_BYTES = SimulatedAddressSpace.DEFAULT_BLOCK_BYTES / 8;
    /**
     * On Linux the demo holds up to about four times what it fills in memory (blocks round up to
     * their class, the block that makes the arena grow is about as large as the fill, and the
     * compaction step builds an identical second arena: 3.5 times, measured at --size 4g), so it
     * fills a quarter of the machine's memory at most, and a quarter of what is available now
     * (MemAvailable): a larger {@code --size} is refused before anything is touched, not ended by
     * the OOM killer halfway.
     */
    private static final int LINUX_MEMORY_SHARE = 4;
    private static final long MIB = 1L << 20;

    /** The default sizes: 256 MiB of blocks on Linux, 32 MiB on the simulator. */
    static DemoScale of(final AddressSpace space) {
        return of(space, 0);
    }

    /**
     * The default sizes, with {@code fillBytes} of blocks instead when it is not 0.
     *
     * @throws IllegalArgumentException when {@code fillBytes} is less than {@link #MIN_SEGMENTS}
     *     segments, or more than the simulator holds or than a quarter of this machine's memory
     */
    static DemoScale of(final AddressSpace space, final long fillBytes) {
        final boolean simulated = isSimulated(space);
        final int divisor = simulated ? SIMULATOR_DIVISOR : 1;
        final long segmentBytes = 2 * MIB / divisor;
        final long minFillBytes = MIN_SEGMENTS * segmentBytes;
        final long maxFillBytes = simulated ? SIMULATOR_MAX_FILL_BYTES : Math.min(physicalMemoryBytes()
            / LINUX_MEMORY_SHARE, MemInfo.availableBytes() / LINUX_MEMORY_SHARE);
        if (fillBytes != 0 && fillBytes < minFillBytes) {
            throw new IllegalArgumentException("--size " + Bytes.format(fillBytes) + " is less than the demo needs: "
                + "give at least " + Bytes.format(minFillBytes) + " (" + MIN_SEGMENTS + " segments of "
                + Bytes.format(segmentBytes) + ")");
        }
        if (fillBytes > maxFillBytes) {
            throw new IllegalArgumentException("--size " + Bytes.format(fillBytes) + " is more than the demo can fill "
                + (simulated ? "on the simulator, whose address space is " + Bytes.format(SimulatedAddressSpace
                .DEFAULT_BLOCK_BYTES) : "on this machine (it holds up to four times what it fills, and of the "
                + Bytes.format(physicalMemoryBytes()) + " of memory " + Bytes.format(MemInfo.availableBytes())
                + " is available now)") + ": give at most " + Bytes.format(maxFillBytes));
        }
        return new DemoScale(divisor, segmentBytes, fillBytes != 0 ? fillBytes : 256 * MIB / divisor, 16, 16 * 1024,
            segmentBytes / 2, segmentBytes * 5 / 2);
    }

    static long physicalMemoryBytes() {
        return ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize();
    }

    /** By the backend's name, so that a wrapped simulator (in tests) counts as one. */
    static boolean isSimulated(final AddressSpace space) {
        return space.capabilities().backend().startsWith("sim");
    }
}
