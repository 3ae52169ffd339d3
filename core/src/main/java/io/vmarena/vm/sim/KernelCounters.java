package io.vmarena.vm.sim;

/**
 * What a real kernel would have had to do for the calls made so far: the model the benchmarks
 * report beside their measurements.
 *
 * @param systemCalls memory-management calls made (failed ones too)
 * @param vmasMoved VMAs (or VMA pieces) whose page tables a move carried
 * @param pagesMoved pages those moves carried
 */
public record KernelCounters(long systemCalls, long vmasMoved, long pagesMoved) {
}
