package io.vmarena.linux;

import io.vmarena.vm.Advice;
import io.vmarena.vm.MapFlags;
import io.vmarena.vm.MappingSource;
import io.vmarena.vm.Protection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calls on disjoint ranges run at the same time; calls on overlapping ranges take turns. No
 * timing: thread A stops inside its call's window (after the ownership check, before the
 * system call) through the backend's test hook, and waits there, with a bound that fails the
 * test, for thread B's call to finish.
 */
class LinuxAddressSpaceConcurrencyTest {
    /** Only a bound: a passing run never waits this long. */
    private static final long BOUND_SECONDS = 10;

    private final LinuxAddressSpace space = new LinuxAddressSpace(new LinuxProbe().probe());
    private final long pageSize = space.pageSize();
    private final List<long[]> mapped = new ArrayList<>();

    @AfterEach
    void unmapEverything() {
        space.callWindow = null;
        for (final long[] range : mapped) {
            if (!space.mappings(range[0], range[0] + range[1], MappingSource.AUTO).isEmpty()) {
                space.unmap(range[0], range[1]);
            }
        }
    }

    @Test
    void shouldLetACallOnADisjointRangeFinishWhileAnotherCallIsInItsWindow() throws Exception {
        final long first = map(4);
        final long second = map(4);
        final CountDownLatch firstInside = new CountDownLatch(1);
        final CountDownLatch secondDone = new CountDownLatch(1);
        final AtomicBoolean sawSecondDone = new AtomicBoolean();
        space.callWindow = (operation, address) -> {
            if (address == first) {
                firstInside.countDown();
                sawSecondDone.set(await(secondDone));
            }
        };
        final FutureTask<Void> a = start(() -> space.protect(first, 4 * pageSize, Protection.READ_WRITE));
        assertTrue(firstInside.await(BOUND_SECONDS, TimeUnit.SECONDS), "thread A never reached its call's window");

        space.protect(second, 4 * pageSize, Protection.READ_WRITE);
        space.advise(second, pageSize, Advice.DONTNEED);
        final long placed = space.map(0, pageSize, Protection.READ_WRITE, MapFlags.NONE);
        space.unmap(placed, pageSize);
        secondDone.countDown();
        a.get(BOUND_SECONDS, TimeUnit.SECONDS);

        assertTrue(sawSecondDone.get(), "calls on another range waited for thread A's mprotect: the backend "
            + "serializes calls that touch disjoint ranges");
        assertEquals("rw-", space.mappings(first, first + pageSize, MappingSource.AUTO).get(0).protection().symbol());
    }

    @Test
    void shouldHoldACallOnAnOverlappingRangeUntilTheCallInItsWindowReturns() throws Exception {
        final long range = map(4);
        final CountDownLatch firstInside = new CountDownLatch(1);
        final CountDownLatch releaseFirst = new CountDownLatch(1);
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        space.callWindow = (operation, address) -> {
            events.add(operation + " entered");
            if (operation.equals("mprotect")) {
                firstInside.countDown();
                await(releaseFirst);
                events.add("mprotect leaves its window");
            }
        };
        final FutureTask<Void> a = start(() -> space.protect(range, 4 * pageSize, Protection.READ_WRITE));
        assertTrue(firstInside.await(BOUND_SECONDS, TimeUnit.SECONDS), "thread A never reached its call's window");

        final FutureTask<Void> b = new FutureTask<>(() -> space.unmap(range + pageSize, pageSize), null);
        final Thread threadB = new Thread(b, "unmap-overlapping");
        threadB.start();
        awaitStoppedInside(threadB, "unmap");
        assertEquals(List.of("mprotect entered"), events, "B's munmap of a page A is changing reached its window");

        releaseFirst.countDown();
        a.get(BOUND_SECONDS, TimeUnit.SECONDS);
        b.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertEquals(List.of("mprotect entered", "mprotect leaves its window", "munmap entered"), events);
        assertTrue(space.mappings(range + pageSize, range + 2 * pageSize, MappingSource.AUTO).isEmpty());
    }

    private long map(final int pageCount) {
        final long address = space.map(0, pageCount * pageSize, Protection.NONE, MapFlags.NORESERVE);
        mapped.add(new long[] {address, pageCount * pageSize});
        return address;
    }

    private static FutureTask<Void> start(final Runnable call) {
        final FutureTask<Void> task = new FutureTask<>(call, null);
        new Thread(task, "in-window").start();
        return task;
    }

    private static boolean await(final CountDownLatch latch) {
        try {
            return latch.await(BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits (bounded) until {@code thread} is parked or blocked inside the backend's {@code method}. */
    private static void awaitStoppedInside(final Thread thread, final String method) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (System.nanoTime() < deadline) {
            final Thread.State state = thread.getState();
            if ((state == Thread.State.WAITING || state == Thread.State.BLOCKED) && Arrays.stream(thread.getStackTrace())
                .anyMatch(frame -> frame.getClassName().equals(LinuxAddressSpace.class.getName())
                    && frame.getMethodName().equals(method))) {
                return;
            }
            Thread.yield();
        }
        throw new AssertionError(thread.getName() + " never stopped inside " + method + ": " + thread.getState());
    }
}
