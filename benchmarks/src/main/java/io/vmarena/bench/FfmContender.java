package io.vmarena.bench;

import org.openjdk.jmh.infra.Blackhole;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The JDK's Foreign Function and Memory API (final in JDK 22): a confined
 * {@code java.lang.foreign.Arena} per block, {@code Arena.ofConfined()}, {@code allocate(length)},
 * {@code close()}, since closing its arena is the only way FFM frees one block. The module
 * compiles for Java 17, so the calls go through method handles (constants, which the JIT
 * inlines as it would the calls themselves); on an older JDK {@link #create()} refuses with
 * the reason. {@code allocate} zeroes the block, as {@code allocateDirect} does.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar AllocationBenchmark -p allocator=ffm-confined -jvm /path/to/jdk-22+/bin/java
 * </pre>
 */
final class FfmContender extends Contender {
    private static final int FINAL_FEATURE = 22;

    private Object[] arenas = new Object[0];

    private FfmContender() {
    }

    static FfmContender create() {
        final int feature = Runtime.version().feature();
        if (feature < FINAL_FEATURE) {
            throw new IllegalStateException("skipped: ffm-confined needs JDK " + FINAL_FEATURE + "+, running on " + feature);
        }
        return new FfmContender();
    }

    @Override
    void allocateAndFree(final int lengthBytes, final Blackhole blackhole) {
        final Object arena = Ffm.ofConfined();
        blackhole.consume(Ffm.allocate(arena, lengthBytes));
        Ffm.close(arena);
    }

    @Override
    void ring(final int slotCount) {
        arenas = new Object[slotCount];
    }

    @Override
    void replace(final int slot, final int lengthBytes) {
        if (arenas[slot] != null) {
            Ffm.close(arenas[slot]);
        }
        final Object arena = Ffm.ofConfined();
        Ffm.allocate(arena, lengthBytes);
        arenas[slot] = arena;
    }

    @Override
    public void close() {
        for (final Object arena : arenas) {
            if (arena != null) {
                Ffm.close(arena);
            }
        }
        arenas = new Object[0];
    }

    /** The three FFM calls, looked up when this class first runs, which only a JDK 22+ lets happen. */
    private static final class Ffm {
        private static final MethodHandle OF_CONFINED;
        private static final MethodHandle ALLOCATE;
        private static final MethodHandle CLOSE;

        static {
            try {
                final MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                final Class<?> arenaClass = Class.forName("java.lang.foreign.Arena");
                final Class<?> segmentClass = Class.forName("java.lang.foreign.MemorySegment");
                OF_CONFINED = lookup.findStatic(arenaClass, "ofConfined", MethodType.methodType(arenaClass))
                    .asType(MethodType.methodType(Object.class));
                ALLOCATE = lookup.findVirtual(arenaClass, "allocate", MethodType.methodType(segmentClass, long.class))
                    .asType(MethodType.methodType(Object.class, Object.class, long.class));
                CLOSE = lookup.findVirtual(arenaClass, "close", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            } catch (final ReflectiveOperationException ex) {
                throw new ExceptionInInitializerError(ex);
            }
        }

        private Ffm() {
        }

        static Object ofConfined() {
            try {
                return (Object)OF_CONFINED.invokeExact();
            } catch (final Throwable ex) {
                throw rethrow(ex);
            }
        }

        static Object allocate(final Object arena, final long lengthBytes) {
            try {
                return (Object)ALLOCATE.invokeExact(arena, lengthBytes);
            } catch (final Throwable ex) {
                throw rethrow(ex);
            }
        }

        static void close(final Object arena) {
            try {
                CLOSE.invokeExact(arena);
            } catch (final Throwable ex) {
                throw rethrow(ex);
            }
        }

        private static RuntimeException rethrow(final Throwable ex) {
            if (ex instanceof RuntimeException) {
                return (RuntimeException)ex;
            }
            if (ex instanceof Error) {
                throw (Error)ex;
            }
            return new IllegalStateException(ex);
        }
    }
}
