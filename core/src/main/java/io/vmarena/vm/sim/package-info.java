/**
 * The simulator backend: a pure-Java model of one Linux process's address space, faithful to
 * the rules in kernel-semantics.md (Linux 6.18), over real memory so that callers read and
 * write it exactly as they do on Linux. See {@link io.vmarena.vm.sim.SimulatedAddressSpace}.
 */
package io.vmarena.vm.sim;
