package io.vmarena;

import io.vmarena.vm.AddressSpaces;

/**
 * Runs {@link PinningSteps} on this machine's kernel in a child JVM (see
 * {@link LinuxPinningLimitsTest}): each argument is a step; each answer is printed as one line
 * {@code #INDEX -> answer}. A pinning policy's tests may start it with their own steps.
 */
public final class PinningChild {
    private PinningChild() {
    }

    public static void main(final String[] args) {
        try (PinningSteps steps = new PinningSteps(AddressSpaces.open("linux"), "child-")) {
            for (int index = 0; index < args.length; index++) {
                System.out.println("#" + index + " -> " + steps.run(args[index]).replace('\n', ' '));
            }
        }
    }
}
