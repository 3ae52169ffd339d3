package io.vmarena.bench;

import org.openjdk.jmh.infra.Blackhole;

/**
 * One allocator under test in {@link AllocationBenchmark}, named by its {@code allocator}
 * parameter. Each keeps its own ring of live blocks for the {@code mixed} benchmark, in the
 * form its blocks take (handles, addresses, buffers, FFM arenas), so that no contender pays
 * for boxing or a common representation. A contender belongs to one thread.
 */
abstract class Contender implements AutoCloseable {
    /** The {@code allocator} parameter's values, in the order the suite runs them. */
    static final String[] NAMES = {
        "vmarena-confined", "vmarena-shared", "netty-pooled", "netty-adaptive", "allocate-direct", "unsafe",
        "ffm-confined"};

    /**
     * The contender named {@code name}; a {@link IllegalStateException} "skipped: why" when this
     * JVM cannot run it (FFM before JDK 22).
     */
    static Contender of(final String name) {
        switch (name) {
            case "vmarena-confined":
                return ArenaContender.confined();
            case "vmarena-shared":
                return ArenaContender.shared();
            case "netty-pooled":
                return NettyContender.pooled();
            case "netty-adaptive":
                return NettyContender.adaptive();
            case "allocate-direct":
                return new DirectBufferContender();
            case "unsafe":
                return new UnsafeContender();
            case "ffm-confined":
                return FfmContender.create();
            default:
                throw new IllegalArgumentException("unknown allocator " + name + "; one of " + String.join(", ", NAMES));
        }
    }

    /** Allocates one block of {@code lengthBytes} and frees it; the block goes to {@code blackhole}. */
    abstract void allocateAndFree(int lengthBytes, Blackhole blackhole);

    /** Makes room for a ring of {@code slotCount} live blocks, all empty. */
    abstract void ring(int slotCount);

    /** Frees the block in {@code slot} of the ring, if there is one, and allocates one of {@code lengthBytes} there. */
    abstract void replace(int slot, int lengthBytes);

    /** Frees every block of the ring and whatever the allocator itself holds. */
    @Override
    public abstract void close();
}
