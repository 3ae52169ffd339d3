package io.vmarena.ops;

import io.vmarena.vm.KernelTrait;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One expected transcript of a scenario and the kernel traits it was printed under: none for
 * the main section ({@code --- expect}), one or more for an alternative
 * ({@code --- expect zero-page=no}).
 *
 * @param conditions each trait the section names, and whether the kernel has it
 * @param lines the transcript, trailing blank lines removed
 */
record Expectation(Map<KernelTrait, Boolean> conditions, List<String> lines) {
    /** Whether a kernel with these traits prints this transcript: every condition holds. */
    boolean appliesTo(final Predicate<KernelTrait> kernelHas) {
        return conditions.entrySet().stream().allMatch(condition -> kernelHas.test(condition.getKey())
            == condition.getValue());
    }

    /** {@code zero-page=no}, as the section's header names it; empty for the main section. */
    String label() {
        return conditions.entrySet().stream()
            .map(condition -> condition.getKey().optionName() + "=" + (condition.getValue() ? "yes" : "no"))
            .collect(Collectors.joining(" "));
    }
}
