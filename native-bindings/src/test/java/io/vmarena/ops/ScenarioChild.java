package io.vmarena.ops;

import java.util.Arrays;

/** Runs {@code vmarena ops ARGS...} in a child JVM (see {@link LinuxScenarioTest}); exits with its status. */
public final class ScenarioChild {
    private ScenarioChild() {
    }

    public static void main(final String[] args) {
        System.exit(OpsTool.run(Arrays.asList(args), System.out, System.err));
    }
}
