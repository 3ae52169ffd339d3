package io.vmarena.linux;

import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.LockBudget;

import java.util.concurrent.TimeUnit;

/**
 * For {@link LockBudgetTest}: prints RLIMIT_MEMLOCK's soft limit as {@code lockBudget()} reads
 * it, lowers its own limit to {@code args[0]} bytes with {@code prlimit --pid}, as an operator
 * would from outside, and prints it again, then the capabilities' (probed at start-up) value.
 */
public final class LockBudgetChild {
    private LockBudgetChild() {
    }

    public static void main(final String[] args) throws Exception {
        final AddressSpace space = AddressSpaces.open("linux");
        System.out.println("before=" + space.lockBudget().softLimitBytes());
        final Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(ProcessHandle.current().pid()),
            "--memlock=" + args[0] + ":" + args[0]).inheritIO().start();
        if (!prlimit.waitFor(30, TimeUnit.SECONDS) || prlimit.exitValue() != 0) {
            System.out.println("prlimit failed");
            System.exit(2);
        }
        final LockBudget after = space.lockBudget();
        System.out.println("after=" + after.softLimitBytes() + ":" + after.hardLimitBytes());
        System.out.println("probed=" + space.capabilities().memlockSoftBytes());
        System.out.println("locked=" + (after.lockedBytes() == space.lockedBytes()));
    }
}
