package io.vmarena.vm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds the process's address space: the Linux backend where it loads and works, otherwise the
 * simulator, and says which and why in one log line. {@code -Dvmarena.backend=linux|sim} forces
 * one; forcing a backend that cannot work here is an error, never a silent fallback.
 */
public final class AddressSpaces {
    /** The system property that forces a backend. */
    public static final String BACKEND_PROPERTY = "vmarena.backend";

    private static final System.Logger LOG = System.getLogger(AddressSpaces.class.getName());

    /** Why the last {@link #open} chose what it chose; logged once, by {@link #system()}. */
    private static volatile String lastChoice;

    private AddressSpaces() {
    }

    /** The process-wide address space, opened on first use. */
    public static AddressSpace system() {
        return SystemHolder.ADDRESS_SPACE;
    }

    /** The backends on the class path, preferred first, each with null or why it does not work. */
    public static List<AddressSpaceProvider> providers() {
        final List<AddressSpaceProvider> providers = new ArrayList<>();
        ServiceLoader.load(AddressSpaceProvider.class, AddressSpaces.class.getClassLoader()).forEach(providers::add);
        providers.sort(Comparator.comparingInt(AddressSpaceProvider::preference));
        return providers;
    }

    /**
     * Opens the backend named {@code name}, or the preferred working one when {@code name} is
     * null or empty.
     *
     * @throws IllegalStateException when the named backend is missing or cannot work here, or
     *     when no backend works; the message gives every backend's reason
     */
    public static AddressSpace open(final String name) {
        final List<AddressSpaceProvider> providers = providers();
        final StringBuilder reasons = new StringBuilder();
        for (final AddressSpaceProvider provider : providers) {
            final boolean wanted = name == null || name.isEmpty() || provider.name().equals(name);
            if (!wanted) {
                continue;
            }
            final String reason = provider.unavailableReason();
            if (reason == null) {
                final AddressSpace addressSpace = provider.open();
                lastChoice = "vmarena: using the " + provider.name() + " address space (" + (name == null
                    || name.isEmpty() ? "the preferred backend that works here" : "-D" + BACKEND_PROPERTY + "="
                    + name) + reasonsSuffix(reasons) + ")";
                return addressSpace;
            }
            reasons.append(reasons.length() == 0 ? "" : "; ").append(provider.name()).append(": ").append(reason);
        }
        if (name != null && !name.isEmpty() && reasons.length() == 0) {
            throw new IllegalStateException("-D" + BACKEND_PROPERTY + "=" + name + " names no backend on the class "
                + "path; the backends found are " + names(providers) + " (use linux or sim)");
        }
        throw new IllegalStateException("no address-space backend works here: " + reasons
            + (providers.isEmpty() ? "no backend on the class path (add vmarena-native-bindings)" : ""));
    }

    private static String reasonsSuffix(final StringBuilder reasons) {
        return reasons.length() == 0 ? "" : "; passed over " + reasons;
    }

    private static List<String> names(final List<AddressSpaceProvider> providers) {
        final List<String> names = new ArrayList<>();
        providers.forEach(provider -> names.add(provider.name()));
        return names;
    }

    private static final class SystemHolder {
        static final AddressSpace ADDRESS_SPACE = openAndLog();

        private static AddressSpace openAndLog() {
            final AddressSpace addressSpace = open(System.getProperty(BACKEND_PROPERTY));
            LOG.log(System.Logger.Level.INFO, lastChoice);
            return addressSpace;
        }
    }
}
