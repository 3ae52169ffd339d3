package io.vmarena.linux;

import io.vmarena.Arena;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.VmException;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs in a child JVM (see {@link AddressLimitTest}): builds an arena of 256 MiB that grows only
 * by moving, lowers its own RLIMIT_AS to what it maps now plus {@code headroomBytes} with
 * {@code prlimit --pid}, and makes the arena grow past 256 MiB. Prints {@code limit -> ...}
 * (what a direct reservation four times the arena's size gets), {@code grow -> reserved=N} or
 * {@code grow -> the exception}, and {@code bytes -> ok} when every written byte is intact.
 */
public final class AddressLimitChild {
    private static final long MIB = 1L << 20;

    private AddressLimitChild() {
    }

    public static void main(final String[] args) throws Exception {
        final long headroomBytes = Long.parseLong(args[0]);
        final AddressSpace space = AddressSpaces.open("linux");
        try (Arena arena = Arena.builder().name("limited").addressSpace(space).initialBytes(256 * MIB)
            .maximumBytes(4096 * MIB).inPlaceGrowth(false).build()) {
            final long first = arena.allocate(200 * MIB);
            stamp(arena.address(first), 200 * MIB, 1);
            limitAddressSpace(headroomBytes);
            try {
                final long probe = space.reserve(4 * 256 * MIB);
                space.unmap(probe, 4 * 256 * MIB);
                System.out.println("limit -> not reached");
            } catch (final VmException refused) {
                System.out.println("limit -> " + refused.errno());
            }
            try {
                final long second = arena.allocate(200 * MIB);
                stamp(arena.address(second), 200 * MIB, 2);
                System.out.println("grow -> reserved=" + arena.stats().reservedBytes());
                System.out.println("bytes -> " + (stamped(arena.address(first), 200 * MIB, 1)
                    && stamped(arena.address(second), 200 * MIB, 2) ? "ok" : "damaged"));
            } catch (final RuntimeException refused) {
                System.out.println("grow -> " + refused);
            }
        }
    }

    private static void limitAddressSpace(final long headroomBytes) throws Exception {
        final long pid = ProcessHandle.current().pid();
        final String status = Files.readString(Path.of("/proc/self/status"));
        final String vmSize = ProcFiles.field(status, "VmSize");
        final long limit = ProcFiles.kilobytes(vmSize) + headroomBytes;
        final Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(pid), "--as=" + limit + ":" + limit)
            .inheritIO().start();
        if (!prlimit.waitFor(30, TimeUnit.SECONDS) || prlimit.exitValue() != 0) {
            throw new IllegalStateException("prlimit --as failed");
        }
    }

    /** Writes the segment index and a seed into the first bytes of every 2 MiB of the block. */
    private static void stamp(final long address, final long lengthBytes, final int seed) {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        for (long offset = 0; offset < lengthBytes; offset += 2 * MIB) {
            view.wrap(address + offset, 8);
            view.putLong(0, offset * 31 + seed);
        }
    }

    private static boolean stamped(final long address, final long lengthBytes, final int seed) {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        for (long offset = 0; offset < lengthBytes; offset += 2 * MIB) {
            view.wrap(address + offset, 8);
            if (view.getLong(0) != offset * 31 + seed) {
                return false;
            }
        }
        return true;
    }
}
