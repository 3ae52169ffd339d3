package io.vmarena.linux;

import io.vmarena.vm.AddressSpaces;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Starts a child JVM on the test class path without CAP_IPC_LOCK and with a given
 * RLIMIT_MEMLOCK: {@code setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock} (only when this
 * process holds the capability) and {@code prlimit --memlock=N:N}. Tests that need it are
 * skipped with the reason where the tools are missing.
 */
public final class ChildJvm {
    /** What a child printed (standard output and error together) and how it exited. */
    public record Result(List<String> command, int exitCode, String output) {
    }

    private ChildJvm() {
    }

    /** Skips the calling test unless prlimit (and, when needed, setpriv) are on the PATH. */
    public static void assumeTools() {
        assumeTrue(onPath("prlimit"), "needs prlimit (util-linux) to set RLIMIT_MEMLOCK for a child JVM");
        assumeTrue(!holdsIpcLock() || onPath("setpriv"),
            "this process holds CAP_IPC_LOCK; dropping it for a child JVM needs setpriv (util-linux)");
    }

    /** Runs {@code mainClass args...} unprivileged with {@code memlockBytes}, waiting at most a minute. */
    public static Result run(final long memlockBytes, final String mainClass, final List<String> args)
        throws Exception {
        final List<String> command = new ArrayList<>();
        if (holdsIpcLock()) {
            command.addAll(List.of("setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock"));
        }
        command.addAll(List.of("prlimit", "--memlock=" + memlockBytes + ":" + memlockBytes,
            System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
            mainClass));
        command.addAll(args);
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("child JVM did not finish within a minute: " + String.join(" ", command));
        }
        return new Result(command, child.exitValue(), output);
    }

    /**
     * Runs {@code mainClass args...} in a child JVM with this process's privileges and limits
     * (the child may lower its own), waiting at most a minute.
     */
    public static Result runJava(final List<String> jvmOptions, final String mainClass, final List<String> args)
        throws Exception {
        final List<String> command = new ArrayList<>(List.of(
            System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path",
            System.getProperty("java.class.path")), mainClass));
        command.addAll(args);
        final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("child JVM did not finish within a minute: " + String.join(" ", command));
        }
        return new Result(command, child.exitValue(), output);
    }

    /** Whether {@code program} is an executable on the PATH. */
    public static boolean onPath(final String program) {
        for (final String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(directory, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    private static boolean holdsIpcLock() {
        return AddressSpaces.open("linux").capabilities().ipcLock().available();
    }

}
