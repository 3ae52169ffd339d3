package io.vmarena.vm;

/**
 * A behaviour in which kernel builds differ although their version and their features agree:
 * something a test, a transcript or the simulator must not take from one machine. Each trait is
 * measured at start-up (the Linux backend's probe), carried in the simulator's profile, printed
 * by {@code vmarena doctor}, set by {@code vmarena ops --backend sim --OPTION yes|no}, and chosen
 * by tests and scenario transcripts from the capabilities of the address space they run on
 * (docs/DESIGN.md, "Kernel traits"). A new trait is one more constant here, its probe in
 * {@code LinuxProbe}, and its model in the simulator: the rest of the path is generic.
 */
public enum KernelTrait {
    /**
     * A read fault of untouched private anonymous memory maps the shared zero page
     * (mm/memory.c do_anonymous_page, whose zero-page branch runs before anon_vma_prepare).
     * Upstream x86-64 and arm64 kernels do; some builds and configurations (s390 with KVM, the
     * builds of issue 9) allocate a page instead.
     */
    ZERO_PAGE("zero-page", "zero page", true,
        "a read fault of untouched memory maps the shared zero page: reads cost no memory and leave the VMA "
            + "as it was",
        "a read fault allocates a page: RSS counts read pages, mlock of read-only memory populates real pages, "
            + "read-faulted VMAs get an anon_vma and merge less"),
    /**
     * A DONTUNMAP move out of a locked VMA settles its source: the kernel splits the source VMA
     * at the moved range and unlocks that piece only, lowers locked_vm by the moved length, and
     * keeps the VMA it makes apart from its source. Debian's arm64 7.3 kernel does (measured in
     * .ci/arm64's VM); this machine's 6.18 does not: it unlocks the whole source VMA unsplit
     * (kernel-semantics DU3), leaks locked_vm (DU4) and lets the new VMA merge. The simulator's
     * 6.x profiles play 6.18, {@code KernelProfile.LINUX_7_3} plays 7.3.
     */
    DONTUNMAP_SETTLES("dontunmap-settles", "DONTUNMAP settles its source", false,
        "a DONTUNMAP move out of locked memory splits its source VMA and unlocks the moved piece only; locked_vm "
            + "drops by the moved length; the new VMA stays apart from its source",
        "a DONTUNMAP move out of locked memory unlocks the whole source VMA unsplit and leaks locked_vm (the "
            + "RLIMIT_MEMLOCK budget) by the moved length; the new VMA may merge with its source");

    private final String optionName;
    private final String displayName;
    private final boolean upstream;
    private final String meaningWhenHeld;
    private final String meaningWhenNot;

    KernelTrait(final String optionName, final String displayName, final boolean upstream,
        final String meaningWhenHeld, final String meaningWhenNot) {
        this.optionName = optionName;
        this.displayName = displayName;
        this.upstream = upstream;
        this.meaningWhenHeld = meaningWhenHeld;
        this.meaningWhenNot = meaningWhenNot;
    }

    /**
     * The trait's name on command lines ({@code --zero-page yes|no}) and in a scenario's
     * alternative transcript ({@code --- expect zero-page=no}).
     */
    public String optionName() {
        return optionName;
    }

    /** The name {@code vmarena doctor} prints: {@code zero page}. */
    public String displayName() {
        return displayName;
    }

    /** Whether an upstream x86-64 or arm64 kernel has it: the simulator's default. */
    public boolean upstream() {
        return upstream;
    }

    /** What it means for memory and for VMAs that a kernel has the trait, or has it not. */
    public String meaning(final boolean held) {
        return held ? meaningWhenHeld : meaningWhenNot;
    }

    /** The trait named {@code optionName}, or null. */
    public static KernelTrait ofOptionName(final String optionName) {
        for (final KernelTrait trait : values()) {
            if (trait.optionName.equals(optionName)) {
                return trait;
            }
        }
        return null;
    }
}
