package io.vmarena.examples;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code vmarena cache-churn} (OffHeapCacheUnderChurn): an off-heap key-value cache under bursts
 * of inserts and evictions, vmarena against Netty, OHC and Chronicle Map, each in a child JVM of
 * its own ({@link ChurnChild}) running the same seeded operation sequence ({@link ChurnLoad}),
 * one after another. It prints a table (RSS peak and after the bursts, above each JVM's
 * baseline, against the live bytes; get and put latency percentiles; values verified), and
 * writes {@code cache-churn-rss.png}, {@code cache-churn-latency.png} and
 * {@code cache-churn.json} (see {@link ChurnReport}) into {@code --out}.
 *
 * <p>Every child gets the same pre-touched heap ({@code -Xms} = {@code -Xmx},
 * {@code -XX:+AlwaysPreTouch}), so heap growth does not show in RSS, and room for direct
 * buffers. The peers' jars are not in vmarena.jar: the build copies them to
 * {@code examples/target/peers/}, and each child's class path is this JVM's plus those jars.
 */
@Command(name = "cache-churn", description = {"an off-heap cache under bursts of inserts and evictions: vmarena "
    + "against Netty, OHC and Chronicle Map, each in its own JVM; RSS against live bytes, latency, every value "
    + "verified"}, exitCodeListHeading = "%nExit status:%n", exitCodeList = {VmarenaCommand.EXIT_OK,
        "1:a value read back wrong, a child JVM failed, or vmarena's RSS after the bursts was more than 10%% above the "
            + "live bytes", VmarenaCommand.EXIT_BAD_INPUT})
final class CacheChurn implements Callable<Integer> {
    private static final String PEERS_HINT = "build them with: mvn -B -ntp -pl examples -am package -DskipTests "
        + "(it copies them to examples/target/peers/), or give --peers DIR, or run --contenders vmarena";

    /** The least -Xmx a child JVM starts with here (-XX:+AlwaysPreTouch, Java 17: 4 MiB; 2 MiB does not), with room. */
    private static final long MIN_HEAP_BYTES = 16L << 20;

    private final PrintStream out;
    private final PrintStream err;
    @Spec
    private CommandSpec spec;
    @Mixin
    private HelpOption help = new HelpOption();
    @Option(names = "--backend", paramLabel = "linux|sim", converter = BackendOption.BackendName.class,
        description = "vmarena's address space: linux or sim (the simulator: RSS is then not vmarena's, and the "
            + "verdict is not judged); default -Dvmarena.backend, else this OS's")
    private String backend;
    @Option(names = "--contenders", split = ",", paramLabel = "ID[,ID...]",
        description = "which caches, in order (default all): vmarena, netty-pooled, netty-adaptive, ohc, chronicle")
    private List<String> contenderIds = List.of(ChurnContender.ids().split(","));
    @Option(names = "--size", paramLabel = "BYTES", converter = ByteCount.class,
        description = "the live payload (keys and values) each burst fills to, K, M or G (default ${DEFAULT-VALUE})")
    private long peakLiveBytes = 1L << 30;
    @Option(names = "--cycles", paramLabel = "N", description = "bursts of fill then evict (default ${DEFAULT-VALUE})")
    private int cycles = 3;
    @Option(names = "--evict", paramLabel = "SHARE", description = "the share of the peak each burst evicts, in "
        + "random order (default ${DEFAULT-VALUE})")
    private double evictShare = 0.9;
    @Option(names = "--value-bytes", paramLabel = "MIN-MAX", description = "value lengths, drawn log-uniform "
        + "(default ${DEFAULT-VALUE}); keys are 8 bytes")
    private String valueBytes = "32-8192";
    @Option(names = "--settle", paramLabel = "SECONDS", description = "gets only, after the last burst, before RSS is "
        + "read (default ${DEFAULT-VALUE})")
    private int settleSeconds = 3;
    @Option(names = "--seed", description = "the operation sequence's seed (default ${DEFAULT-VALUE})")
    private long seed = 12;
    @Option(names = "--heap", paramLabel = "BYTES", converter = ByteCount.class,
        description = "each child's Java heap, pre-touched (default 512M)")
    private long heapBytes = 512L << 20;
    @Option(names = "--out", paramLabel = "DIR", description = "where the charts and JSON go (default ${DEFAULT-VALUE})")
    private Path outDir = Path.of("target", "cache-churn");
    @Option(names = "--peers", paramLabel = "DIR", description = "the peers' jars (default: peers/ beside vmarena.jar,"
        + " else target/peers)")
    private Path peersDir;

    CacheChurn(final PrintStream out, final PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        final ChurnLoad.Settings settings = settings();
        final List<ChurnContender> contenders = contenders();
        checkHeap();
        checkLiveAfterBursts(settings);
        checkMemory(contenders);
        final String classPath = classPath(contenders);
        try {
            Files.createDirectories(outDir); // before any child runs, so a bad --out costs no run
        } catch (final IOException | UnsupportedOperationException e) {
            throw new ParameterException(spec.commandLine(), "--out " + outDir + " cannot be made a directory (" + e
                + "): give a directory to write the charts and the JSON into");
        }
        final boolean simulated = "sim".equals(backend)
            || backend == null && "sim".equals(System.getProperty("vmarena.backend"));
        out.printf(Locale.ROOT, "cache-churn: %d bursts to %s live (keys 8 bytes, values %s bytes log-uniform), %.0f%% "
            + "evicted in random order each, seed %d; children one after another, heap %s each%s%n", cycles,
            Bytes.format(peakLiveBytes), valueBytes, evictShare * 100, seed, Bytes.format(heapBytes),
            simulated ? "; vmarena on the simulator" : "");
        out.println("cache-churn: " + ArenaChurnCache.SETTINGS);
        final String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> trimFlags = NativeHeapTrim.flags(java);
        out.println("cache-churn: " + ChurnReport.baseline(!trimFlags.isEmpty()));
        final List<ChurnRun.Result> results = new ArrayList<>();
        boolean childFailed = false;
        for (final ChurnContender contender : contenders) {
            err.println("cache-churn: " + contender.label() + "...");
            try {
                results.add(ChurnRun.run(contender, command(java, trimFlags, contender, classPath, settings),
                    outDir.resolve(contender.id() + ".stderr.log"), line -> err.println("  " + line)));
            } catch (final IllegalStateException e) {
                err.println("cache-churn: " + e.getMessage());
                childFailed = true;
            }
        }
        if (results.isEmpty()) {
            return VmarenaCommand.PROBLEM;
        }
        final ChurnRun.Result vmarena = results.stream().filter(r -> r.contender() == ChurnContender.VMARENA)
            .findFirst().orElse(null);
        final String verdict = ChurnReport.verdict(vmarena, simulated);
        final String verdictText = ChurnReport.verdictText(vmarena, simulated);
        ChurnReport.table(out, results);
        out.println(verdictText);
        writeOutputs(settings, !trimFlags.isEmpty(), results, verdict, verdictText);
        final boolean wrongValues = results.stream().anyMatch(r -> r.failures() > 0);
        return wrongValues || childFailed || verdict.equals("miss") ? VmarenaCommand.PROBLEM : VmarenaCommand.OK;
    }

    private void writeOutputs(final ChurnLoad.Settings settings, final boolean trimmed,
        final List<ChurnRun.Result> results, final String verdict, final String verdictText) throws IOException {
        System.setProperty("java.awt.headless", "true");
        final String title = String.format(Locale.ROOT, "cache churn: %d bursts to %s live, %.0f%% evicted",
            cycles, Bytes.format(peakLiveBytes), evictShare * 100);
        final Path rss = outDir.resolve("cache-churn-rss.png");
        final Path latency = outDir.resolve("cache-churn-latency.png");
        final Path json = outDir.resolve("cache-churn.json");
        ChurnCharts.rss(rss, results, title);
        ChurnCharts.latency(latency, results, title);
        JsonFile.write(json, ChurnReport.json(settings, backend == null ? "default" : backend, trimmed,
            results, verdict, verdictText));
        out.println("wrote " + rss + ", " + latency + ", " + json);
    }

    private ChurnLoad.Settings settings() {
        final String[] range = valueBytes.split("-");
        try {
            if (range.length != 2) {
                throw new IllegalArgumentException("not MIN-MAX");
            }
            return new ChurnLoad.Settings(seed, peakLiveBytes, cycles, evictShare, Integer.parseInt(range[0].trim()),
                Integer.parseInt(range[1].trim()), settleSeconds * 10);
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "cache-churn takes --cycles and --settle of at least 1 "
                + "and 0, --evict between 0 and 1 (both excluded) and --value-bytes MIN-MAX with 0 < MIN <= MAX; got "
                + "--cycles " + cycles + " --settle " + settleSeconds + " --evict " + evictShare + " --value-bytes "
                + valueBytes);
        }
    }

    /** Refuses a heap no child JVM starts in (the child's -Xmx is in whole MiB: below one it was -Xmx0m). */
    private void checkHeap() {
        if (heapBytes < MIN_HEAP_BYTES) {
            throw new ParameterException(spec.commandLine(), "--heap " + Bytes.format(heapBytes) + " is less than a "
                + "child JVM starts in: give at least 16M");
        }
    }

    /**
     * Refuses a --size whose bursts may evict every entry: ChurnLoad evicts down to
     * {@code (long)(size * (1 - evict))} bytes, and unless that holds the largest entry, the live
     * bytes after the bursts, which RSS is judged against, may be 0 (the ratio was Infinity, in
     * the table and in the JSON, which has no such number).
     */
    private void checkLiveAfterBursts(final ChurnLoad.Settings settings) {
        final long largestEntryBytes = ChurnLoad.KEY_BYTES + settings.maxValueBytes();
        final long floorBytes = (long)(peakLiveBytes * (1 - evictShare));
        if (floorBytes >= largestEntryBytes) {
            return;
        }
        long leastSizeBytes = (long)Math.ceil(largestEntryBytes / (1 - evictShare));
        while ((long)(leastSizeBytes * (1 - evictShare)) < largestEntryBytes) {
            leastSizeBytes++; // the division's rounding, in the load's own arithmetic
        }
        throw new ParameterException(spec.commandLine(), "--size " + Bytes.format(peakLiveBytes) + " with --evict "
            + evictShare + " leaves " + floorBytes + " bytes live after each burst, less than one entry of the "
            + "largest value (" + ChurnLoad.KEY_BYTES + " + " + settings.maxValueBytes() + " bytes), so RSS after the bursts "
            + "has nothing to be judged against: give a --size of at least " + leastSizeBytes + " bytes, or a "
            + "smaller --value-bytes");
    }

    /**
     * Refuses a run the machine cannot hold, before a child fills it: Netty's adaptive allocator
     * held 2.9 times --size here, the others 1.1 times, plus each child's heap.
     */
    private void checkMemory(final List<ChurnContender> contenders) throws IOException {
        final Path meminfo = Path.of("/proc/meminfo");
        if (!Files.isReadable(meminfo)) {
            return; // not Linux: RSS sampling will say so
        }
        final long availableBytes = Files.readAllLines(meminfo).stream().filter(l -> l.startsWith("MemAvailable:"))
            .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(Long.MAX_VALUE);
        final double timesSize = contenders.contains(ChurnContender.NETTY_ADAPTIVE) ? 3 : 1.5;
        final double neededBytes = timesSize * peakLiveBytes + heapBytes + (256L << 20);
        if (neededBytes > availableBytes) {
            throw new ParameterException(spec.commandLine(), String.format(Locale.ROOT, "--size %s needs about %s "
                + "free (%.1f times it%s, plus the heap), and MemAvailable is %s: give a smaller --size%s",
                Bytes.format(peakLiveBytes), Bytes.format((long)neededBytes), timesSize,
                timesSize == 3 ? ": Netty's adaptive allocator held 2.9 times it here" : "", Bytes.format(availableBytes),
                timesSize == 3 ? ", or leave netty-adaptive out of --contenders" : ""));
        }
    }

    private List<ChurnContender> contenders() {
        try {
            return contenderIds.stream().map(ChurnContender::byId).distinct().collect(Collectors.toList());
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--contenders: " + e.getMessage());
        }
    }

    /**
     * This JVM's class path and, where it lacks a peer's classes, the peers' jars: so that a test
     * (the peers are on its class path) needs no build, and vmarena.jar finds them beside it.
     */
    private String classPath(final List<ChurnContender> contenders) throws IOException {
        final String own = System.getProperty("java.class.path");
        final boolean peersMissing = contenders.stream().anyMatch(c -> c.peerClassName() != null
            && ClassLoader.getSystemClassLoader().getResource(c.peerClassName().replace('.', '/') + ".class") == null);
        if (!peersMissing) {
            return own;
        }
        final Path dir = peersDir != null ? peersDir : defaultPeersDir(own);
        if (!Files.isDirectory(dir)) {
            throw new ParameterException(spec.commandLine(), "the peers' jars are not in " + dir.toAbsolutePath()
                + ": " + PEERS_HINT);
        }
        try (Stream<Path> jars = Files.list(dir)) {
            final List<String> paths = jars.filter(p -> p.toString().endsWith(".jar")).sorted()
                .map(p -> p.toAbsolutePath().toString()).collect(Collectors.toList());
            if (paths.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "no jar in " + dir.toAbsolutePath() + ": " + PEERS_HINT);
            }
            return own + File.pathSeparator + String.join(File.pathSeparator, paths);
        }
    }

    private static Path defaultPeersDir(final String ownClassPath) {
        final Path jar = Path.of(ownClassPath.split(File.pathSeparator)[0]).toAbsolutePath();
        return ownClassPath.endsWith(".jar") && !ownClassPath.contains(File.pathSeparator)
            ? jar.resolveSibling("peers") : Path.of("target", "peers");
    }

    /**
     * The child's command line: same java, same heap and native heap trim for all, the
     * contender's flags, the load's settings.
     */
    private List<String> command(final String java, final List<String> trimFlags, final ChurnContender contender,
        final String classPath, final ChurnLoad.Settings settings) {
        final long heapMib = heapBytes >> 20;
        final List<String> command = new ArrayList<>(List.of(java, "-Xms" + heapMib + "m", "-Xmx" + heapMib + "m",
            "-XX:+AlwaysPreTouch", "-XX:MaxDirectMemorySize=" + ((4 * peakLiveBytes >> 20) + 256) + "m",
            ChurnContender.AGRONA_OPENS));
        command.addAll(trimFlags);
        command.addAll(contender.jvmFlags());
        command.addAll(List.of("-cp", classPath, ChurnChild.class.getName(), contender.id(),
            backend == null ? System.getProperty("vmarena.backend", "default") : backend));
        command.addAll(List.of(settings.toArgs()));
        return command;
    }
}
