package io.vmarena;

import io.vmarena.vm.sim.KernelProfile;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Arena#get(long, long, org.agrona.MutableDirectBuffer, int, int)} into an Agrona buffer
 * over a read-only {@link ByteBuffer}: a file mapped READ_ONLY is a PROT_READ page, and a copy
 * into it is a SIGSEGV that ends the JVM (Unsafe turns only SIGBUS into an error); a read-only
 * heap buffer would be written behind its back. The checked path refuses both, copying nothing.
 */
class ReadOnlyBufferAttackTest extends ArenaFixture {
    ReadOnlyBufferAttackTest() {
        simulate(KernelProfile.LINUX_6_17);
    }

    @Test
    void shouldRefuseToCopyIntoAFileMappedReadOnly(@TempDir final Path dir) throws IOException {
        final Path file = Files.write(dir.resolve("read-only"), new byte[4096]);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = arena()) {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, 4096);
            final long handle = arena.allocate(64);
            arena.put(handle, 0, filled(64), 0, 64);

            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> arena.get(handle, 0, new UnsafeBuffer(mapped), 0, 64));

            assertTrue(refused.getMessage().contains("get(" + handle + ") in arena 'read-only-attack': the "
                + "destination wraps a read-only ByteBuffer"), refused.getMessage());
            final byte[] file4k = new byte[4096];
            mapped.get(0, file4k);
            assertArrayEquals(new byte[4096], file4k, "nothing copied");
        }
    }

    @Test
    void shouldRefuseToCopyIntoAReadOnlyHeapBufferAndLeaveItAlone() {
        final ByteBuffer backing = ByteBuffer.allocate(64);
        try (Arena arena = arena()) {
            final long handle = arena.allocate(64);
            arena.put(handle, 0, filled(64), 0, 64);

            assertThrows(IllegalArgumentException.class,
                () -> arena.get(handle, 0, new UnsafeBuffer(backing.asReadOnlyBuffer()), 0, 64));

            assertArrayEquals(new byte[64], backing.array(), "nothing copied");
        }
    }

    private Arena arena() {
        return Arena.builder().name("read-only-attack").addressSpace(space).segmentBytes(segmentBytes).build();
    }

    private static byte[] filled(final int length) {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte)0x5a);
        return bytes;
    }
}
