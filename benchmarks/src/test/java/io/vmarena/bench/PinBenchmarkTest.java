package io.vmarena.bench;

import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Feature;
import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.sim.KernelProfile;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What PinBenchmark promises scripts and the README, checked without timing anything: its
 * parameters and methods, and each mode's region on the simulator (pinned as the mode says,
 * checked, touched, checked again). No timing here.
 */
class PinBenchmarkTest {
    /** Eight 2 MiB segments: small enough for the simulator's block, several segments to lock. */
    private static final long SIMULATED_REGION_BYTES = 16L << 20;

    @Test
    void shouldOfferThreeModesOverOneAndSixteenGibibytes() throws NoSuchFieldException {
        assertArrayEquals(new String[] {"onfault", "mlock", "none"},
            PinBenchmark.class.getField("mode").getAnnotation(Param.class).value());
        assertArrayEquals(new String[] {Long.toString(1L << 30), Long.toString(16L << 30)},
            PinBenchmark.Region.class.getField("regionBytes").getAnnotation(Param.class).value());
        assertArrayEquals(PinRegion.MODES, PinBenchmark.class.getField("mode").getAnnotation(Param.class).value());
    }

    @Test
    void shouldBenchmarkPinAndFirstTouchPerPage() throws NoSuchMethodException {
        final String[] names = Arrays.stream(PinBenchmark.class.getMethods())
            .filter(m -> m.isAnnotationPresent(Benchmark.class)).map(Method::getName).sorted().toArray(String[]::new);
        assertArrayEquals(new String[] {"firstTouch", "pin"}, names);
        final Method firstTouch = PinBenchmark.class.getMethod("firstTouch", PinBenchmark.Touched.class);
        assertEquals(PinBenchmark.TOUCHED_PAGES, firstTouch.getAnnotation(OperationsPerInvocation.class).value());
    }

    @Test
    void shouldRefuseAnUnknownMode() {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> PinRegion.checkMode("mlockall"));
        assertEquals("unknown mode mlockall; one of onfault, mlock, none", refused.getMessage());
    }

    @Test
    void shouldSkipAPinTheMemlockLimitCannotHold() {
        final Capabilities limited = capabilities(false, 64L << 10);

        final String reason = PinRegion.cannotPin(limited, "onfault", 1L << 30);

        assertEquals("RLIMIT_MEMLOCK is 65536 bytes without CAP_IPC_LOCK, less than the 1073741824 bytes to pin "
            + "(raise it with ulimit -l, or run as root)", reason);
        assertNull(PinRegion.cannotPin(limited, "none", 1L << 30), "no pin, nothing to refuse");
        assertNull(PinRegion.cannotPin(capabilities(true, 64L << 10), "onfault", 1L << 30), "CAP_IPC_LOCK held");
        assertNull(PinRegion.cannotPin(limited, "onfault", 64L << 10), "within the limit");
    }

    @Test
    void shouldSkipAPlainMlockOfMoreThanTheMachineHas() {
        final String reason = PinRegion.cannotPin(capabilities(true, Capabilities.UNLIMITED), "mlock", 1L << 60);

        assertTrue(reason != null && reason.startsWith("plain mlock makes all 1152921504606846976 bytes resident, and "
            + "MemAvailable is "), String.valueOf(reason));
        assertNull(PinRegion.cannotPin(capabilities(true, Capabilities.UNLIMITED), "onfault", 1L << 60),
            "MLOCK_ONFAULT makes nothing resident");
    }

    @Test
    void shouldPinEachModesRegionOnTheSimulatorAsTheModeSays() {
        for (final String mode : PinRegion.MODES) {
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
                try (PinRegion region = PinRegion.build(space, mode, SIMULATED_REGION_BYTES)) {
                    final long lockedBefore = space.lockedBytes();

                    final long pinnedBytes = region.pin();

                    assertEquals(mode.equals("none") ? 0 : SIMULATED_REGION_BYTES, pinnedBytes, mode);
                    assertEquals(lockedBefore + pinnedBytes, space.lockedBytes(), mode + ": VmLck");
                    region.check();
                }
                assertEquals(0, space.lockedBytes(), mode + ": close unlocks what it unmaps");
            }
        }
    }

    @Test
    void shouldTouchOnePagePerStrideAndCountItResident() {
        for (final String mode : PinRegion.MODES) {
            try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
                PinRegion region = PinRegion.build(space, mode, SIMULATED_REGION_BYTES)) {
                region.pin();
                final int pages = (int)(SIMULATED_REGION_BYTES / space.pageSize() / 2);

                region.touch(pages);

                region.check(); // resident: the touched pages (onfault, none) or all (mlock)
            }
        }
    }

    @Test
    void shouldWarmUpWithPinsThatLeaveNothingLockedOrMapped() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            PinRegion.warmUp(space, 3);

            assertEquals(0, space.lockedBytes());
        } // the simulator refuses to close while an arena still holds a range
    }

    @Test
    void shouldFailTheCheckWhenThePinDidNotHappen() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17);
            PinRegion region = PinRegion.build(space, "onfault", SIMULATED_REGION_BYTES)) {
            final IllegalStateException refused = assertThrows(IllegalStateException.class, region::check);

            assertTrue(refused.getMessage().startsWith("PinBenchmark (mode onfault, 16777216 bytes) measured something "
                + "else: the arena is UNPINNED"), refused.getMessage());
        }
    }

    @Test
    void shouldHideMlockOnFaultOnlyForPlainMlock() {
        try (SimulatedAddressSpace space = new SimulatedAddressSpace(KernelProfile.LINUX_6_17)) {
            assertTrue(new PinRegionSpace(space, false).capabilities().lockOnFault().available());
            final Feature hidden = new PinRegionSpace(space, true).capabilities().lockOnFault();
            assertFalse(hidden.available());
            assertTrue(hidden.reason().contains("PinBenchmark's mode mlock"), hidden.reason());
        }
    }

    private static Capabilities capabilities(final boolean ipcLock, final long memlockBytes) {
        final Capabilities.Builder builder = Capabilities.builder().backend("linux")
            .multiVmaMove(Feature.present("test")).lockOnFault(Feature.present("test"))
            .procmapQuery(Feature.present("test"))
            .ipcLock(ipcLock ? Feature.present("test") : Feature.absent("test")).pageSize(4096).pmdBytes(2L << 20)
            .thpMode("madvise").memlock(memlockBytes, memlockBytes).maxMapCount(65530).kernelRelease("6.18")
            .architecture("amd64");
        for (final KernelTrait trait : KernelTrait.values()) {
            builder.trait(trait, Feature.present("test"));
        }
        return builder.build();
    }
}
