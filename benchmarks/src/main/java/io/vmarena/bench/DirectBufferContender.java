package io.vmarena.bench;

import org.agrona.BufferUtil;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;

/**
 * {@link ByteBuffer#allocateDirect}, freed at once: Java 17 has no public free, so each buffer
 * is freed through Agrona's {@link BufferUtil#free(ByteBuffer)}, which runs the buffer's
 * Cleaner now ({@code Unsafe.invokeCleaner}): the native memory goes back to malloc and the
 * JVM's direct-memory count drops before the next allocation, as an explicit free would. The
 * buffer object, its Cleaner and its deallocator stay behind for the GC (they are what
 * {@code -prof gc} shows). {@code allocateDirect} also zeroes every block, which no other
 * contender but FFM does.
 */
final class DirectBufferContender extends Contender {
    private ByteBuffer[] buffers = new ByteBuffer[0];

    @Override
    void allocateAndFree(final int lengthBytes, final Blackhole blackhole) {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(lengthBytes);
        BufferUtil.free(buffer);
        blackhole.consume(buffer);
    }

    @Override
    void ring(final int slotCount) {
        buffers = new ByteBuffer[slotCount];
    }

    @Override
    void replace(final int slot, final int lengthBytes) {
        BufferUtil.free(buffers[slot]); // null-safe
        buffers[slot] = ByteBuffer.allocateDirect(lengthBytes);
    }

    @Override
    public void close() {
        for (final ByteBuffer buffer : buffers) {
            BufferUtil.free(buffer);
        }
        buffers = new ByteBuffer[0];
    }
}
