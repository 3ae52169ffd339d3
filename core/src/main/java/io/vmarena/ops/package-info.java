/**
 * The scenario language: plain-text scripts of address-space operations, run against any
 * {@link io.vmarena.vm.AddressSpace}, printing a transcript. The same script run on Linux and
 * on the simulator must print the same transcript, byte for byte; that is how the simulator is
 * proved faithful. The syntax and the transcript format are a contract (docs/DESIGN.md, "The
 * scenario language"): tools outside the project parse them.
 */
package io.vmarena.ops;
