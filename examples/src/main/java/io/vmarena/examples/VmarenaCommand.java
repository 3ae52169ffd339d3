package io.vmarena.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code vmarena} command line: {@code vmarena COMMAND [OPTIONS...]}, parsed by picocli.
 * Exit status 0 on success, 1 when the command ran and found a problem, 2 on bad input (the
 * error and the command's usage go to stderr). {@code --help} on any command prints its usage.
 */
@Command(name = "vmarena", synopsisSubcommandLabel = "COMMAND",
    description = "An off-heap arena allocator that moves memory by page tables: see what it does on this machine.",
    footer = {"", "-Dvmarena.backend=linux|sim (in VMARENA_JAVA_OPTS) forces an address-space backend; "
        + "--backend does it for one command."},
    exitCodeListHeading = "%nExit status:%n", exitCodeList = {VmarenaCommand.EXIT_OK, VmarenaCommand.EXIT_PROBLEM,
        VmarenaCommand.EXIT_BAD_INPUT},
    subcommands = HelpCommand.class)
public final class VmarenaCommand implements Callable<Integer> {
    static final int OK = 0;
    static final int PROBLEM = 1;
    static final int BAD_INPUT = 2;
    /** The exit codes as every command's usage lists them (picocli's "code:text" form). */
    static final String EXIT_OK = "0:success";
    static final String EXIT_PROBLEM = "1:the command ran and a check failed (or a step could not run)";
    static final String EXIT_BAD_INPUT = "2:bad input: an unknown option, a missing or wrong value";

    @Spec
    private CommandSpec spec;

    @Mixin
    private HelpOption help = new HelpOption();

    private VmarenaCommand() {
    }

    public static void main(final String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; separate from {@link #main} so tests can read what it prints. */
    static int run(final String[] args, final PrintStream out, final PrintStream err) {
        // Commands print which backend they use themselves; the library's log line would repeat it.
        Logger.getLogger("").setLevel(Level.WARNING);
        final PrintWriter outWriter = new PrintWriter(out, true);
        final PrintWriter errWriter = new PrintWriter(err, true);
        final CommandLine commandLine = commandLine(out, err);
        commandLine.setOut(outWriter).setErr(errWriter).setExecutionExceptionHandler((e, failed, parsed) -> {
            errWriter.println("vmarena " + failed.getCommandName() + " failed: " + e);
            return PROBLEM;
        });
        try {
            return commandLine.execute(args);
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    /** Every sub-command, wired to print on {@code out} and {@code err}. */
    static CommandLine commandLine(final PrintStream out, final PrintStream err) {
        final CommandLine commandLine = new CommandLine(new VmarenaCommand())
            .addSubcommand(new Doctor(out, err))
            .addSubcommand(new Demo(out, err))
            .addSubcommand(new CommandLine(new OpsCommand(out, err)).setUnmatchedOptionsArePositionalParams(true))
            .addSubcommand(new Bench(out, err))
            .addSubcommand(new CacheChurn(out, err))
            .addSubcommand(new PinnedLowLatencyService(out, err));
        // A scenario file may be named @something; picocli would read it as a file of arguments.
        return commandLine.setExpandAtFiles(false);
    }

    /** {@code vmarena} alone: the usage on stderr, as for any other incomplete command line. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return BAD_INPUT;
    }
}
