package io.vmarena.vm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** core alone has no backend on its class path: every way of asking for one must say so. */
class AddressSpacesTest {
    @Test
    void shouldRefuseAForcedBackendThatIsNotOnTheClassPath() {
        final IllegalStateException failure = assertThrows(IllegalStateException.class,
            () -> AddressSpaces.open("linux"));

        assertTrue(failure.getMessage().contains("-Dvmarena.backend=linux names no backend"), failure.getMessage());
    }

    @Test
    void shouldSayThatNoBackendIsThereRatherThanFallBackSilently() {
        final IllegalStateException failure = assertThrows(IllegalStateException.class, () -> AddressSpaces.open(null));

        assertTrue(failure.getMessage().contains("vmarena-native-bindings"), failure.getMessage());
    }
}
