package io.vmarena.examples;

import io.vmarena.ops.OpsTool;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code vmarena} command line: {@code vmarena COMMAND [ARGS...]}. Exit status 0 on
 * success, 1 when the command ran and found a problem, 2 on bad input.
 */
public final class VmarenaCommand {
    static final int OK = 0;
    static final int PROBLEM = 1;
    static final int BAD_INPUT = 2;

    private VmarenaCommand() {
    }

    public static void main(final String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; separate from {@link #main} so tests can read what it prints. */
    static int run(final String[] args, final PrintStream out, final PrintStream err) {
        // Commands print which backend they use themselves; the library's log line would repeat it.
        Logger.getLogger("").setLevel(Level.WARNING);
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage(args.length == 0 ? err : out);
            return args.length == 0 ? BAD_INPUT : OK;
        }
        final String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "doctor":
                return new Doctor(out, err).run(rest);
            case "demo":
                return new Demo(out, err).run(rest);
            case "ops":
                return OpsTool.run(Arrays.asList(rest), out, err);
            case "bench":
                return new Bench(out, err).run(rest);
            default:
                err.println("vmarena: unknown command '" + args[0] + "'");
                usage(err);
                return BAD_INPUT;
        }
    }

    private static void usage(final PrintStream out) {
        out.println("usage: vmarena COMMAND [ARGS...]");
        out.println();
        out.println("commands:");
        out.println("  doctor    what this machine can do for vmarena, what it cannot, and what that costs");
        out.println("  demo      the main job: an arena filled, fragmented, trimmed, grown by moving, checked");
        out.println("  ops FILE... [--backend linux|sim] [--kernel 6.17|6.1] [--page-size BYTES]");
        out.println("            [--memlock BYTES|unlimited] [--no-ipc-lock] [--max-map-count N]");
        out.println("            run scenario scripts and print their transcripts (docs/DESIGN.md)");
        out.println("  bench     a short single- against multi-VMA move comparison on this machine");
        out.println();
        out.println("-Dvmarena.backend=linux|sim (in VMARENA_JAVA_OPTS) forces an address-space backend.");
    }
}
