package io.vmarena.vm;

import io.vmarena.vm.sim.SimAddressSpaceProvider;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * core alone has only the simulator on its class path: what a user who forgot
 * vmarena-native-bindings gets. The OS is the seam's argument, so every OS's rule runs here.
 */
class AddressSpacesTest {
    @Test
    void shouldRefuseAForcedBackendThatIsNotOnTheClassPathRatherThanFallBack() {
        final IllegalStateException failure = assertThrows(IllegalStateException.class,
            () -> AddressSpaces.open("linux"));

        assertTrue(failure.getMessage().contains("-Dvmarena.backend=linux names no backend"), failure.getMessage());
        assertTrue(failure.getMessage().contains("[sim]"), failure.getMessage());
        assertTrue(failure.getMessage().contains("io.vmarena:vmarena-native-bindings"), failure.getMessage());
    }

    @Test
    void shouldRefuseOnLinuxWhenTheLinuxBackendIsMissingAndTheSimulatorWasNotAskedFor() {
        for (final String unnamed : new String[] {null, ""}) {
            final IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> AddressSpaces.choose(unnamed, "Linux", AddressSpaces.providers()));

            assertRefusalSaysWhatToDo(failure);
        }
    }

    @Test
    void shouldRefuseFromSystemOnLinuxEveryTimeAsked() {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"),
            "the refusal is Linux's rule; this OS is " + System.getProperty("os.name"));
        assumeTrue(System.getProperty(AddressSpaces.BACKEND_PROPERTY) == null,
            "-Dvmarena.backend is set for this JVM");

        // Twice: a refusal must not turn into ExceptionInInitializerError, then NoClassDefFoundError.
        assertRefusalSaysWhatToDo(assertThrows(IllegalStateException.class, AddressSpaces::system));
        assertRefusalSaysWhatToDo(assertThrows(IllegalStateException.class, AddressSpaces::system));
    }

    @Test
    void shouldOpenTheSimulatorOnLinuxWhenAskedFor() {
        final AddressSpaces.BackendChoice choice = AddressSpaces.choose("sim", "Linux", AddressSpaces.providers());

        assertInstanceOf(SimulatedAddressSpace.class, choice.addressSpace());
        assertEquals(System.Logger.Level.INFO, choice.level());
        assertEquals("vmarena: using the sim address space (-Dvmarena.backend=sim)", choice.message());
        ((SimulatedAddressSpace)choice.addressSpace()).close();
        final AddressSpace opened = AddressSpaces.open("sim");
        assertEquals("sim", opened.capabilities().backend());
        ((SimulatedAddressSpace)opened).close();
    }

    @Test
    void shouldChooseTheSimulatorWithAWarningWhereTheOsIsNotLinux() {
        final AddressSpaces.BackendChoice choice = AddressSpaces.choose(null, "Mac OS X", AddressSpaces.providers());

        assertInstanceOf(SimulatedAddressSpace.class, choice.addressSpace());
        assertEquals(System.Logger.Level.WARNING, choice.level());
        assertEquals("vmarena: using the sim address space (the OS is Mac OS X, not Linux: the simulator models "
            + "Linux's address space in this process's memory, and its times are a model's, not a kernel's)",
            choice.message());
        ((SimulatedAddressSpace)choice.addressSpace()).close();
    }

    @Test
    void shouldRefuseOnLinuxWhenTheLinuxBackendIsPresentButCannotWorkAndSayWhy() {
        final List<AddressSpaceProvider> providers = List.of(new BrokenLinuxProvider(), new SimAddressSpaceProvider());

        final IllegalStateException failure = assertThrows(IllegalStateException.class,
            () -> AddressSpaces.choose(null, "Linux", providers));

        assertTrue(failure.getMessage().startsWith("the Linux backend cannot work here (linux: JNA could not be "
            + "loaded): fix that, or ask for the simulator with -Dvmarena.backend=sim or AddressSpaces.open(\"sim\")"),
            failure.getMessage());
    }

    @Test
    void shouldSayWhyItPassedOverTheLinuxBackendWhereTheOsIsNotLinux() {
        final List<AddressSpaceProvider> providers = List.of(new BrokenLinuxProvider(), new SimAddressSpaceProvider());

        final AddressSpaces.BackendChoice choice = AddressSpaces.choose(null, "Windows 11", providers);

        assertEquals(System.Logger.Level.WARNING, choice.level());
        assertTrue(choice.message().endsWith("not a kernel's; passed over linux: JNA could not be loaded)"),
            choice.message());
        ((SimulatedAddressSpace)choice.addressSpace()).close();
    }

    /** A Linux backend on the class path that cannot load, as when JNA's native library is missing. */
    private static final class BrokenLinuxProvider implements AddressSpaceProvider {
        @Override
        public String name() {
            return "linux";
        }

        @Override
        public int preference() {
            return 0;
        }

        @Override
        public String unavailableReason() {
            return "JNA could not be loaded";
        }

        @Override
        public AddressSpace open() {
            throw new AssertionError("opened a backend that said it cannot work");
        }
    }

    private static void assertRefusalSaysWhatToDo(final IllegalStateException failure) {
        final String message = failure.getMessage();
        assertTrue(message.startsWith("the Linux backend is not on the class path: add the dependency "
            + "io.vmarena:vmarena-native-bindings"), message);
        assertTrue(message.contains("-Dvmarena.backend=sim or AddressSpaces.open(\"sim\")"), message);
        assertTrue(message.contains("never falls back to the simulator"), message);
        assertNull(failure.getCause());
    }
}
