package io.vmarena;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Advice;
import io.vmarena.vm.Errno;
import io.vmarena.vm.Protection;
import io.vmarena.vm.VmException;

import java.util.function.Consumer;

/**
 * An arena's {@link HugePages} policy applied where its memory becomes usable: after each
 * commit, {@code madvise(MADV_HUGEPAGE)} (WANTED) or {@code madvise(MADV_NOHUGEPAGE)} (REFUSED)
 * over exactly the committed range, so every committed VMA of the arena carries the same flag
 * and they merge as before (the kernel splits a VMA for advice on part of it and never merges
 * VMAs whose flags differ). SYSTEM_DEFAULT makes no call.
 *
 * <p>A kernel without transparent huge pages refuses the advice with EINVAL: the policy falls
 * back to SYSTEM_DEFAULT for the rest of the arena's life, nothing was advised before (the first
 * commit is the first advice), and the user is told once. Any other refusal (ENOMEM: the split
 * the advice needed would pass vm.max_map_count) undoes the commit and is thrown, so the
 * caller's commit fails with nothing changed. Not thread-safe: the arena serializes commits;
 * {@link #inEffect} may be read by any thread.
 */
final class HugePageAdvice {
    private static final System.Logger LOG = System.getLogger(Arena.class.getName());

    private final String arenaName;
    private final Consumer<String> warning;
    private volatile HugePages inEffect;

    HugePageAdvice(final String arenaName, final HugePages policy) {
        this(arenaName, policy, message -> LOG.log(System.Logger.Level.WARNING, message));
    }

    /** For tests: {@code warning} is told what would be logged. */
    HugePageAdvice(final String arenaName, final HugePages policy, final Consumer<String> warning) {
        this.arenaName = arenaName;
        this.inEffect = policy;
        this.warning = warning;
    }

    /** The policy the arena was built with, or SYSTEM_DEFAULT once the kernel refused the advice. */
    HugePages inEffect() {
        return inEffect;
    }

    /**
     * Advises {@code [address, address + lengthBytes)}, just made read-write by {@code space}.
     *
     * @throws VmException when the kernel refuses for another reason than lacking THP; the range
     *     is PROT_NONE again then (or, if that failed too, read-write without advice, which is
     *     harmless: the caller marks nothing committed and commits it again when it is next used)
     */
    void afterCommit(final AddressSpace space, final long address, final long lengthBytes) {
        final HugePages policy = inEffect;
        if (policy == HugePages.SYSTEM_DEFAULT) {
            return;
        }
        final Advice advice = policy == HugePages.WANTED ? Advice.HUGEPAGE : Advice.NOHUGEPAGE;
        try {
            space.advise(address, lengthBytes, advice);
        } catch (final VmException refused) {
            if (refused.errno() == Errno.EINVAL) {
                inEffect = HugePages.SYSTEM_DEFAULT;
                warning.accept("arena '" + arenaName + "' was built with hugePages(" + policy + ") but the kernel "
                    + "refused madvise(MADV_" + advice + ") with EINVAL (a kernel built without transparent huge "
                    + "pages, CONFIG_TRANSPARENT_HUGEPAGE): the arena works without the advice, with the system's "
                    + "default (stats().hugePages() says SYSTEM_DEFAULT); build it with hugePages(SYSTEM_DEFAULT) on "
                    + "this kernel, or run on one with THP (vmarena doctor prints the THP mode)");
                return;
            }
            try {
                space.protect(address, lengthBytes, Protection.NONE);
            } catch (final VmException | IllegalArgumentException undo) {
                refused.addSuppressed(undo);
            }
            throw refused;
        }
    }
}
