package io.vmarena.ops;

import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.sim.KernelProfile;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line of {@code vmarena ops FILE... [--backend linux|sim] [--kernel 7.3|6.17|6.1]
 * [--page-size BYTES] [--memlock BYTES|unlimited] [--no-ipc-lock] [--max-map-count N]
 * [--zero-page yes|no]}. The options after {@code --backend} shape the simulated kernel; on
 * Linux the process's real kernel, limits and traits apply, so giving them with
 * {@code --backend linux} is an error. Every {@link KernelTrait} is an option
 * {@code --TRAIT yes|no} (its {@link KernelTrait#optionName()}), default its upstream value.
 */
final class OpsOptions {
    final List<String> files = new ArrayList<>();
    /** {@code linux}, {@code sim}, or null for the preferred backend that works here. */
    String backend;
    KernelProfile profile = KernelProfile.LINUX_6_17;
    boolean simulatorOptionGiven;
    /**
     * The traits given as options, so that {@code --kernel} keeps them whatever order they came in;
     * the rest come with the kernel ({@code --kernel 7.3} settles DONTUNMAP's source).
     */
    private final java.util.Map<KernelTrait, Boolean> givenTraits = new java.util.EnumMap<>(KernelTrait.class);

    static OpsOptions parse(final List<String> args) {
        final OpsOptions options = new OpsOptions();
        for (int i = 0; i < args.size(); i++) {
            final String arg = args.get(i);
            if (!arg.startsWith("--")) {
                options.files.add(arg);
                continue;
            }
            if (arg.equals("--no-ipc-lock")) {
                options.profile = options.profile.withIpcLock(false);
                options.simulatorOptionGiven = true;
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            options.apply(arg, args.get(++i));
        }
        if (options.files.isEmpty()) {
            throw new IllegalArgumentException("give at least one scenario file");
        }
        if ("linux".equals(options.backend) && options.simulatorOptionGiven) {
            throw new IllegalArgumentException("--kernel, --page-size, --memlock, --no-ipc-lock, --max-map-count and "
                + traitOptions() + " shape the simulated kernel; on Linux the real kernel, limits and traits apply "
                + "(use --backend sim, or prlimit and setpriv; vmarena doctor prints this kernel's traits)");
        }
        if (options.backend == null && options.simulatorOptionGiven) {
            options.backend = "sim";
        }
        return options;
    }

    private void apply(final String option, final String value) {
        switch (option) {
            case "--backend":
                if (!value.equals("linux") && !value.equals("sim")) {
                    throw new IllegalArgumentException("--backend takes linux or sim, got '" + value + "'");
                }
                backend = value;
                return;
            case "--kernel":
                profile = KernelProfile.forKernel(value).withPageSize(profile.pageSize())
                    .withMemlock(profile.memlockBytes()).withIpcLock(profile.ipcLock())
                    .withMaxMapCount(profile.maxMapCount());
                for (final java.util.Map.Entry<KernelTrait, Boolean> given : givenTraits.entrySet()) {
                    profile = profile.withTrait(given.getKey(), given.getValue());
                }
                break;
            case "--page-size":
                profile = profile.withPageSize(number(option, value));
                break;
            case "--memlock":
                profile = profile.withMemlock(value.equals("unlimited") ? KernelProfile.UNLIMITED : number(option, value));
                break;
            case "--max-map-count":
                profile = profile.withMaxMapCount(number(option, value));
                break;
            default:
                final KernelTrait trait = KernelTrait.ofOptionName(option.substring(2));
                if (trait == null) {
                    throw new IllegalArgumentException("unknown option " + option + "; the options are --backend, "
                        + "--kernel, --page-size, --memlock, --no-ipc-lock, --max-map-count and " + traitOptions());
                }
                givenTraits.put(trait, yesOrNo(option, value));
                profile = profile.withTrait(trait, givenTraits.get(trait));
                break;
        }
        simulatorOptionGiven = true;
    }

    /** {@code --zero-page}: one option per kernel trait. */
    static String traitOptions() {
        final List<String> options = new ArrayList<>();
        for (final KernelTrait trait : KernelTrait.values()) {
            options.add("--" + trait.optionName());
        }
        return String.join(", ", options);
    }

    private static boolean yesOrNo(final String option, final String value) {
        switch (value) {
            case "yes":
                return true;
            case "no":
                return false;
            default:
                throw new IllegalArgumentException(option + " takes yes or no, got '" + value + "'");
        }
    }

    private static long number(final String option, final String value) {
        try {
            return Long.parseLong(value);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a number of bytes, got '" + value + "'");
        }
    }
}
