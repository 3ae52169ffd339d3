package io.vmarena.linux;

import io.vmarena.Arena;
import io.vmarena.PinStatus;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;

import java.util.concurrent.TimeUnit;

/**
 * For {@link LimitDroppedTest}: pins an arena of 64 KiB segments holding three, drops its own
 * RLIMIT_MEMLOCK soft limit to 0 with {@code prlimit --pid} (as an operator would from
 * outside), grows the arena by one segment and pins it again, printing each status with the
 * process's VmLck, then unpins.
 */
public final class LimitDroppedChild {
    private static final long SEGMENT_BYTES = 64L << 10;

    private LimitDroppedChild() {
    }

    public static void main(final String[] args) throws Exception {
        final AddressSpace space = AddressSpaces.open("linux");
        final long baseBytes = space.lockedBytes();
        try (Arena arena = Arena.builder().name("dropped").addressSpace(space).segmentBytes(SEGMENT_BYTES)
            .initialBytes(16 * SEGMENT_BYTES).retainedBytes(0).build()) {
            arena.allocate(3 * SEGMENT_BYTES);
            print("pinned", arena.pin(), space.lockedBytes() - baseBytes);
            final Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(ProcessHandle.current().pid()),
                "--memlock=0:" + args[0]).inheritIO().start();
            if (!prlimit.waitFor(30, TimeUnit.SECONDS) || prlimit.exitValue() != 0) {
                System.out.println("prlimit failed");
                System.exit(2);
            }
            arena.allocate(SEGMENT_BYTES);
            print("grown", arena.stats().pin(), space.lockedBytes() - baseBytes);
            print("again", arena.pin(), space.lockedBytes() - baseBytes);
            print("unpinned", arena.unpin(), space.lockedBytes() - baseBytes);
        }
    }

    private static void print(final String step, final PinStatus status, final long vmLckBytes) {
        System.out.println(step + "=" + status.state() + " " + status.pinnedBytes() + " " + status.unpinnedBytes() + " "
            + vmLckBytes + " " + status.reason());
    }
}
