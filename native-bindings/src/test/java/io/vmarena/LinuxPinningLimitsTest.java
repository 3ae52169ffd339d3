package io.vmarena;

import io.vmarena.linux.ChildJvm;
import io.vmarena.vm.AddressSpaces;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The pinning-under-limits contract on this machine's kernel: each test's steps run in a child
 * JVM without CAP_IPC_LOCK and with RLIMIT_MEMLOCK at the test's limit ({@link ChildJvm}:
 * setpriv and prlimit), where VmLck of /proc/self/status and smaps' lock flags are the child's
 * own. Skipped with the reason where the tools are missing.
 */
class LinuxPinningLimitsTest extends PinningLimitsContract {
    @BeforeAll
    static void requireTools() {
        ChildJvm.assumeTools();
    }

    @Override
    protected List<String> run(final long memlockBytes, final List<String> steps) throws Exception {
        final long hardBytes = AddressSpaces.open("linux").capabilities().memlockHardBytes();
        assumeTrue(memlockBytes <= hardBytes, "the child needs RLIMIT_MEMLOCK " + memlockBytes + " bytes; this "
            + "process's hard limit is " + hardBytes + " and raising it needs CAP_SYS_RESOURCE");
        final ChildJvm.Result result = ChildJvm.run(memlockBytes, PinningChild.class.getName(), steps);
        assertEquals(0, result.exitCode(), () -> String.join(" ", result.command()) + "\n" + result.output());
        final List<String> answers = new ArrayList<>();
        for (final String line : result.output().split("\n")) {
            if (line.startsWith("#" + answers.size() + " -> ")) {
                answers.add(line.substring(line.indexOf(" -> ") + 4));
            }
        }
        assertEquals(steps.size(), answers.size(), result.output());
        return answers;
    }

    @Override
    protected long pageSize() {
        return AddressSpaces.open("linux").pageSize();
    }

    @Override
    protected int randomSteps() {
        return 150; // a short run: smaps is read after every step
    }
}
