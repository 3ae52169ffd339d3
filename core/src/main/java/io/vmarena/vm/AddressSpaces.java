package io.vmarena.vm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds the process's address space and says which it chose and why in one log line.
 *
 * <ul>
 *   <li>On Linux, the Linux backend ({@value #NATIVE_ARTIFACT}). Where it is missing from the
 *       class path or cannot load, {@link #system()} refuses with what to add or fix: the
 *       simulator runs on Linux only when asked for, with {@code -Dvmarena.backend=sim} or
 *       {@code AddressSpaces.open("sim")}.</li>
 *   <li>Elsewhere, the simulator, with a WARNING that says so: it models Linux's address space
 *       in this process's memory, and its times are a model's, not a kernel's.</li>
 * </ul>
 *
 * {@code -Dvmarena.backend=linux|sim} forces one; forcing a backend that cannot work here is an
 * error, never a silent fallback.
 */
public final class AddressSpaces {
    /** The system property that forces a backend. */
    public static final String BACKEND_PROPERTY = "vmarena.backend";

    /** The one dependency that gives a user the Linux backend (and, through it, core and JNA). */
    public static final String NATIVE_ARTIFACT = "io.vmarena:vmarena-native-bindings";

    private static final System.Logger LOG = System.getLogger(AddressSpaces.class.getName());

    /**
     * The process's address space once {@link #system()} has opened one. Not a holder class: a
     * refusal must reach every caller as the same {@link IllegalStateException}, not as an
     * {@code ExceptionInInitializerError} once and a bare {@code NoClassDefFoundError} after.
     */
    private static volatile AddressSpace system;

    private AddressSpaces() {
    }

    /**
     * The process-wide address space, opened on first use as {@link #open} opens
     * {@code -Dvmarena.backend}'s value, and logged once.
     *
     * @throws IllegalStateException on Linux when the Linux backend is missing or cannot work
     *     and the simulator was not asked for (the message names {@value #NATIVE_ARTIFACT} and
     *     {@code -Dvmarena.backend=sim}), or when the forced backend cannot work here
     */
    public static AddressSpace system() {
        final AddressSpace opened = system;
        return opened != null ? opened : openSystem();
    }

    private static synchronized AddressSpace openSystem() {
        if (system == null) {
            final BackendChoice choice = choose(System.getProperty(BACKEND_PROPERTY), osName(), providers());
            LOG.log(choice.level(), choice.message());
            system = choice.addressSpace();
        }
        return system;
    }

    /** The backends on the class path, preferred first, each with null or why it does not work. */
    public static List<AddressSpaceProvider> providers() {
        final List<AddressSpaceProvider> providers = new ArrayList<>();
        ServiceLoader.load(AddressSpaceProvider.class, AddressSpaces.class.getClassLoader()).forEach(providers::add);
        providers.sort(Comparator.comparingInt(AddressSpaceProvider::preference));
        return providers;
    }

    /**
     * Opens the backend named {@code name}, or, when {@code name} is null or empty, the one this
     * OS calls for: Linux's on Linux, the simulator elsewhere.
     *
     * @throws IllegalStateException when the named backend is missing or cannot work here; when
     *     {@code name} is null or empty on Linux and the Linux backend is missing or cannot work
     *     (the message says what to add, or how to ask for the simulator); when no backend works
     */
    public static AddressSpace open(final String name) {
        return choose(name, osName(), providers()).addressSpace();
    }

    /**
     * What {@link #open} does, on the OS named {@code osName} (as {@code os.name} spells it),
     * with {@code providers} (preferred first) as the backends found.
     */
    static BackendChoice choose(final String name, final String osName, final List<AddressSpaceProvider> providers) {
        final boolean named = name != null && !name.isEmpty();
        final StringBuilder reasons = new StringBuilder();
        for (final AddressSpaceProvider provider : providers) {
            if (named && !provider.name().equals(name)) {
                continue;
            }
            final String reason = provider.unavailableReason();
            if (reason != null) {
                reasons.append(reasons.length() == 0 ? "" : "; ").append(provider.name()).append(": ").append(reason);
                continue;
            }
            if (!named && isLinux(osName) && !"linux".equals(provider.name())) {
                throw new IllegalStateException(linuxBackendMissing(providers, reasons));
            }
            final boolean simulatedByDefault = !named && "sim".equals(provider.name());
            final String why = named ? "-D" + BACKEND_PROPERTY + "=" + name
                : simulatedByDefault ? "the OS is " + osName + ", not Linux: the simulator models Linux's address "
                + "space in this process's memory, and its times are a model's, not a kernel's"
                : "the preferred backend that works here";
            return new BackendChoice(provider.open(),
                simulatedByDefault ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                "vmarena: using the " + provider.name() + " address space (" + why + reasonsSuffix(reasons) + ")");
        }
        if (named && reasons.length() == 0) {
            throw new IllegalStateException("-D" + BACKEND_PROPERTY + "=" + name + " names no backend on the class "
                + "path; the backends found are " + names(providers) + " (use linux or sim"
                + ("linux".equals(name) ? "; the Linux backend comes with the dependency " + NATIVE_ARTIFACT : "")
                + ")");
        }
        if (!named && isLinux(osName)) {
            throw new IllegalStateException(linuxBackendMissing(providers, reasons));
        }
        throw new IllegalStateException("no address-space backend works here: " + reasons
            + (providers.isEmpty() ? "no backend on the class path (add the dependency " + NATIVE_ARTIFACT + ")" : ""));
    }

    /** The refusal on Linux when the simulator was not asked for: what to add or fix, and the way out. */
    private static String linuxBackendMissing(final List<AddressSpaceProvider> providers, final StringBuilder reasons) {
        final boolean linuxFound = names(providers).contains("linux");
        return (linuxFound ? "the Linux backend cannot work here (" + reasons + "): fix that"
            : "the Linux backend is not on the class path: add the dependency " + NATIVE_ARTIFACT
            + " (it brings vmarena-core and JNA with it)")
            + ", or ask for the simulator with -D" + BACKEND_PROPERTY + "=sim or AddressSpaces.open(\"sim\"). "
            + "On Linux vmarena never falls back to the simulator by itself: its memory, limits and times are "
            + "a model's, not the kernel's";
    }

    private static boolean isLinux(final String osName) {
        return osName.toLowerCase(Locale.ROOT).startsWith("linux");
    }

    private static String osName() {
        return System.getProperty("os.name", "");
    }

    private static String reasonsSuffix(final StringBuilder reasons) {
        return reasons.length() == 0 ? "" : "; passed over " + reasons;
    }

    private static List<String> names(final List<AddressSpaceProvider> providers) {
        final List<String> names = new ArrayList<>();
        providers.forEach(provider -> names.add(provider.name()));
        return names;
    }

    /** A backend opened, and the line that says which and why, at the level it deserves. */
    record BackendChoice(AddressSpace addressSpace, System.Logger.Level level, String message) {
    }
}
