package io.vmarena.vm;

import io.vmarena.vm.sim.SimulatedAddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** core alone has only the simulator on its class path. */
class AddressSpacesTest {
    @Test
    void shouldRefuseAForcedBackendThatIsNotOnTheClassPathRatherThanFallBack() {
        final IllegalStateException failure = assertThrows(IllegalStateException.class,
            () -> AddressSpaces.open("linux"));

        assertTrue(failure.getMessage().contains("-Dvmarena.backend=linux names no backend"), failure.getMessage());
        assertTrue(failure.getMessage().contains("[sim]"), failure.getMessage());
    }

    @Test
    void shouldOpenTheSimulatorWhenItIsTheOnlyBackend() {
        final AddressSpace space = AddressSpaces.open(null);

        assertInstanceOf(SimulatedAddressSpace.class, space);
        assertEquals("sim", space.capabilities().backend());
        ((SimulatedAddressSpace)space).close();
    }
}
