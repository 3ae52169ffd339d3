package io.vmarena;

/**
 * Run by {@link UnsafeAccessCheckTest} in a child JVM: builds an arena as a new user would
 * (the simulator forced by the test's {@code -Dvmarena.backend=sim}) and prints "result: built ...",
 * or "result: " and the class and message of what {@code build()} threw.
 */
public final class UnsafeAccessChild {
    private UnsafeAccessChild() {
    }

    public static void main(final String[] args) {
        try (Arena arena = Arena.builder().name("child").build()) {
            System.out.println("result: built " + arena.stats().reservedBytes());
        } catch (final Throwable thrown) {
            System.out.println("result: " + thrown.getClass().getName() + ": " + thrown.getMessage());
        }
    }
}
