package io.vmarena.examples;

import io.vmarena.ops.OpsTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code vmarena ops}: picocli answers {@code --help} and passes every other argument, options
 * included, to {@link OpsTool}, whose own parser (core's {@code OpsOptions}) keeps the option
 * names and messages that scripts know. {@link VmarenaCommand} registers it with unmatched
 * options taken as positional arguments, so that picocli refuses none of them.
 */
@Command(name = "ops", description = "run scenario scripts and print their transcripts (docs/DESIGN.md)",
    customSynopsis = {"vmarena ops FILE... [--backend linux|sim] [--kernel 7.3|6.17|6.1]",
        "                   [--page-size BYTES] [--memlock BYTES|unlimited]",
        "                   [--no-ipc-lock] [--max-map-count N] [--zero-page yes|no]",
        "                   [--dontunmap-settles yes|no]"},
    footer = {"",
        "FILE                  a scenario script; one with an expected transcript ends",
        "                      with PASS FILE or FAIL FILE",
        "--backend linux|sim   where to run (default: linux where it works, else sim)",
        "--kernel, --page-size, --memlock, --no-ipc-lock, --max-map-count, --zero-page,",
        "--dontunmap-settles   shape the simulated kernel (and imply --backend sim)"},
    exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:every expected transcript matched",
        "1:a transcript differed from the expected one, or a script could not run",
        "2:bad input: a syntax error, an unknown option, an unreadable file, a backend that cannot work here"})
final class OpsCommand implements Callable<Integer> {
    @Mixin
    private HelpOption help = new HelpOption();
    @Parameters(paramLabel = "ARGS", hidden = true)
    private List<String> args = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;

    OpsCommand(final PrintStream out, final PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        return OpsTool.run(args, out, err);
    }
}
