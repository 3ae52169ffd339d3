package io.vmarena.vm;

/**
 * A backend of {@link AddressSpace}, found with {@link java.util.ServiceLoader}. A provider
 * that cannot work on this machine says why in {@link #unavailableReason()}.
 */
public interface AddressSpaceProvider {
    /** The name {@code -Dvmarena.backend=} selects it by: {@code linux} or {@code sim}. */
    String name();

    /** Lower is preferred: the real kernel before the simulator. */
    int preference();

    /** Null when this backend works here, else why it does not. Cheap to call twice. */
    String unavailableReason();

    /** Opens the backend; only called when {@link #unavailableReason()} is null. */
    AddressSpace open();
}
