package io.vmarena.bench;

import io.vmarena.bench.report.CompactionReport;
import io.vmarena.bench.report.MoveReport;
import io.vmarena.bench.report.PinReport;
import io.vmarena.vm.AddressSpaces;

import java.util.Arrays;

/**
 * The benchmarks jar's entry point, so that {@code java -jar benchmarks.jar} needs no JVM flags
 * (the manifest opens what Agrona needs):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar matrix [--full] [--out DIR]       MoveMatrix and its report
 * java -jar benchmarks/target/benchmarks.jar report [--out DIR] RESULTS.json   MoveReport alone
 * java -jar benchmarks/target/benchmarks.jar compaction-report [--out DIR] [--pauses DIR] RESULTS.json
 *                                                 CompactionReport: the compaction and evacuation benchmarks
 * java -jar benchmarks/target/benchmarks.jar pin-report [--out DIR] RESULTS.json   PinReport: PinBenchmark
 * java -jar benchmarks/target/benchmarks.jar ARGS...                           JMH, as usual
 * </pre>
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(final String[] args) throws Exception {
        final String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        if (args.length > 0 && args[0].equals("matrix")) {
            MoveMatrix.main(rest);
        } else if (args.length > 0 && args[0].equals("report")) {
            MoveReport.main(rest);
        } else if (args.length > 0 && args[0].equals("compaction-report")) {
            CompactionReport.main(rest);
        } else if (args.length > 0 && args[0].equals("pin-report")) {
            PinReport.main(rest);
        } else {
            org.openjdk.jmh.Main.main(withMachine(args));
        }
    }

    /**
     * Adds the fork arguments (Agrona's flag and the machine's description, so the JSON records
     * it) unless the caller set JVM arguments of their own that they would replace: -jvmArgs or
     * -jvmArgsAppend. -jvmArgsPrepend goes before them and keeps them.
     */
    private static String[] withMachine(final String[] args) {
        for (final String arg : args) {
            if (arg.equals("-jvmArgs") || arg.equals("-jvmArgsAppend") || arg.equals("-l") || arg.equals("-h")
                || arg.startsWith("-lp")) {
                return args;
            }
        }
        final String[] extended = Arrays.copyOf(args, args.length + 2);
        extended[args.length] = "-jvmArgsAppend";
        extended[args.length + 1] = String.join(" ", Machine.forkArguments(AddressSpaces.system()));
        return extended;
    }
}
