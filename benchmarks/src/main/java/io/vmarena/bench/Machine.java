package io.vmarena.bench;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Capabilities;

/**
 * What a result was measured on, passed to every JMH fork as {@code -Dvmarena.machine=...} so
 * that JMH's JSON records it with each result: CPU architecture, kernel release, page and PMD
 * size, THP mode and backend (JMH records the JVM itself). No spaces: JMH splits its
 * {@code -jvmArgsAppend} on them.
 */
public final class Machine {
    private Machine() {
    }

    public static String describe(final AddressSpace space) {
        final Capabilities caps = space.capabilities();
        return "arch=" + caps.architecture() + ",kernel=" + caps.kernelRelease().replace(' ', '_') + ",page="
            + caps.pageSize() + ",pmd=" + caps.pmdBytes() + ",thp=" + caps.thpMode() + ",backend=" + caps.backend();
    }

    /** The JVM arguments every MoveBenchmark fork needs, with the machine's description. */
    public static String[] forkArguments(final AddressSpace space) {
        return new String[] {"--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m",
            "-Dvmarena.machine=" + describe(space)};
    }
}
