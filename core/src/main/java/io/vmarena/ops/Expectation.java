package io.vmarena.ops;

import io.vmarena.vm.Capabilities;
import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.sim.KernelProfile;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One expected transcript of a scenario and the kernel it was printed on: no conditions for
 * the main section ({@code --- expect}), one or more for an alternative: a kernel trait
 * ({@code --- expect zero-page=no}) or the kernel whose mm code printed it
 * ({@code --- expect kernel=6.1}).
 *
 * @param conditions each condition the section names ({@code zero-page} to {@code no},
 *     {@code kernel} to {@code 6.1}), in the order named
 * @param lines the transcript, trailing blank lines removed
 */
record Expectation(Map<String, String> conditions, List<String> lines) {
    /** The condition on the kernel played: {@code kernel=6.1}. */
    static final String KERNEL = "kernel";

    /** Whether a kernel with these capabilities prints this transcript: every condition holds. */
    boolean appliesTo(final Capabilities kernel) {
        return conditions.entrySet().stream().allMatch(condition -> holds(condition.getKey(), condition.getValue(),
            kernel));
    }

    /**
     * {@code kernel=V}: the simulated kernel that plays this one is V ({@link KernelProfile#forCapabilities});
     * {@code TRAIT=yes|no}: the kernel has the trait, or has it not.
     */
    private static boolean holds(final String name, final String value, final Capabilities kernel) {
        if (name.equals(KERNEL)) {
            return KernelProfile.forCapabilities(kernel).kernel().equals(value);
        }
        return kernel.has(KernelTrait.ofOptionName(name)) == value.equals("yes");
    }

    /** {@code zero-page=no}, as the section's header names it; empty for the main section. */
    String label() {
        return conditions.entrySet().stream().map(condition -> condition.getKey() + "=" + condition.getValue())
            .collect(Collectors.joining(" "));
    }
}
