package io.vmarena.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.vmarena.Arena;
import io.vmarena.ArenaResidency;
import io.vmarena.ArenaStats;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.AddressSpaces;
import io.vmarena.vm.Capabilities;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.sim.SimulatedAddressSpace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code vmarena demo}: the allocator's story in nine steps, each with its numbers. An arena
 * is filled with a realistic mix of blocks, every byte written; two blocks of every three are
 * freed and the memory given back; the arena is made to grow where it cannot grow in place, so
 * it moves, and the move is timed against copying the same live bytes; a large block is
 * reallocated so that it moves; the arena, the hot part, is pinned with MLOCK_ONFAULT (step
 * 5a: VmLck and the pinned bytes before and after, after the compaction and after the close);
 * the arena is compacted, and an identical one beside it one VMA per call (step 5b: the
 * numbers of the steps before it stay as scripts know them); every live
 * block is checked through the handles allocate returned; the arena is closed and its ranges
 * are shown empty. Sizes are scaled down on the simulator ({@link DemoScale}); {@code --size}
 * sets the bytes filled and {@code --backend} the address space; {@code --json FILE} writes
 * every figure printed ({@link DemoFigures}), whole or not at all ({@link JsonFile}). A step
 * that takes more than a second shows its progress on stderr ({@link DemoProgress}).
 *
 * <p>Exit status: 0 when every block is intact and nothing is left mapped, 1 otherwise (or when
 * a step fails, or the JSON document could not be written), 2 on a wrong option or value.
 */
@Command(name = "demo", description = "the main job: an arena filled, fragmented, trimmed, grown by moving, checked",
    exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:every block intact and nothing left mapped",
        "1:a block was damaged, a mapping was left, a step failed, or --json FILE could not be written",
        VmarenaCommand.EXIT_BAD_INPUT})
final class Demo implements Callable<Integer> {
    /** The seed of the block sizes and of the pattern written into them: the same run every time. */
    static final long SEED = 42;
    private static final String INDENT = "   ";
    /** The demo's lines are wrapped to this many columns, for an 80-column terminal, unless $COLUMNS says more. */
    static final int COLUMNS = 80;
    /** Fewer columns than this in $COLUMNS are ignored: the VMA map's lines would not fit. */
    private static final int MIN_COLUMNS = 60;

    private final PrintStream out;
    private final PrintStream err;
    private final Supplier<AddressSpace> spaces;
    @Spec
    private CommandSpec spec;
    @Mixin
    private HelpOption help = new HelpOption();
    @Mixin
    private BackendOption backend = new BackendOption();
    @Option(names = "--size", paramLabel = "BYTES", converter = ByteCount.class,
        description = "the bytes of blocks the arena is filled with, K, M or G for KiB, MiB, GiB (default 256M on "
            + "Linux, 32M on the simulator; from " + DemoScale.MIN_SEGMENTS + " segments, 16M on Linux, 2M on the "
            + "simulator)")
    private long fillBytes;
    @Option(names = "--json", paramLabel = "FILE", description = "also write every figure as one JSON document to "
        + "FILE (keys in docs/DESIGN.md); written whole when the demo ends, or not at all")
    private Path jsonPath;
    private final DemoFigures figures = new DemoFigures();
    private DemoProgress progress;
    private int columns = columns(System.getenv("COLUMNS"));
    /** Every range the arena has had: base to end, in the order it had them. */
    private final Map<Long, Long> ranges = new LinkedHashMap<>();
    /** What went wrong, as told on stderr, for the JSON document. */
    private final List<String> failures = new ArrayList<>();
    /** What the steps did to the arena, for the compaction step's identical second arena. */
    private final ArenaHistory history = new ArenaHistory();
    private AddressSpace space;
    private DemoScale scale;
    private Arena arena;
    private BlockLedger ledger;
    /** Step 5a, which later steps ask to show the locked bytes again; null before it ran. */
    private PinStep pin;

    /** On the address space {@code --backend} names, else the system's ({@link AddressSpaces#system()}). */
    Demo(final PrintStream out, final PrintStream err) {
        this.out = out;
        this.err = err;
        this.spaces = () -> backend.open();
    }

    /** On the given address space: tests pass a simulator of their own. */
    Demo(final PrintStream out, final PrintStream err, final AddressSpace space) {
        this(out, err, () -> space);
    }

    private Demo(final PrintStream out, final PrintStream err, final Supplier<AddressSpace> spaces) {
        this.out = out;
        this.err = err;
        this.spaces = spaces;
    }

    @Override
    public Integer call() {
        try {
            if (jsonPath != null) {
                JsonFile.checkWritable("--json", jsonPath);
            }
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            space = spaces.get();
        } catch (final IllegalStateException | ExceptionInInitializerError e) {
            err.println("vmarena demo: no address space works here: " + e.getMessage());
            return VmarenaCommand.PROBLEM;
        }
        try {
            scale = DemoScale.of(space, fillBytes);
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        final boolean terminal = err == System.err && StepProgress.stderrIsTerminal();
        int exitCode = VmarenaCommand.PROBLEM;
        String failure = null;
        try (DemoProgress started = new DemoProgress(new StepProgress(err, terminal), terminal).start()) {
            progress = started;
            exitCode = story();
        } catch (final RuntimeException e) {
            failure = e.toString();
            err.println("vmarena demo failed: " + e);
        } finally {
            if (arena != null) {
                arena.close();
            }
        }
        return writeJson(exitCode, failure != null ? failure : failures.isEmpty() ? null : String.join("; ", failures));
    }

    /** Writes the figures when {@code --json} asked for them; returns the exit code, 1 when they could not be written. */
    private int writeJson(final int exitCode, final String failure) {
        if (jsonPath == null) {
            return exitCode;
        }
        try {
            JsonFile.write(jsonPath, figures.finish(exitCode, failure));
            return exitCode;
        } catch (final IOException | RuntimeException e) {
            err.println("vmarena demo: could not write the figures to " + jsonPath + " (" + e + "); it was left as it "
                + "was: " + (e instanceof IOException ? "give a path with room to write" : "please report this"));
            return VmarenaCommand.PROBLEM;
        }
    }

    /** Says what went wrong on stderr, and keeps it for the JSON document's {@code failure}. */
    void failed(final String problem) {
        failures.add(problem);
        progress.print(() -> err.println("vmarena demo: " + problem));
    }

    private int story() {
        final long started = System.nanoTime();
        ledger = new BlockLedger(space, SEED);
        line0("vmarena demo: an arena filled, fragmented, trimmed, grown by moving, checked");
        if (simulated()) {
            line0("SIMULATOR: this runs on vmarena's model of Linux, in this process's memory, not on this "
                + "machine's kernel: its times are a Java model's, not a kernel's, each marked (model)");
        }
        blank();
        machine(space.capabilities());
        arena = arenaBuilder("demo", space, scale).build();
        new FillStep(this, SEED).run();
        new FragmentStep(this).run();
        final double copyNanosPerByte = new GrowStep(this).run();
        new ReallocateStep(this).run(copyNanosPerByte);
        pin = new PinStep(this);
        pin.run();
        final boolean comparedIntact = new CompactStep(this).run();
        if (!check() || !close()) {
            return VmarenaCommand.PROBLEM;
        }
        if (!comparedIntact) {
            failed("a block of the per-VMA arena of step 5b is damaged");
            return VmarenaCommand.PROBLEM;
        }
        final long totalNanos = System.nanoTime() - started;
        figures.root().addProperty("totalNanos", totalNanos);
        line0("The demo took " + time(totalNanos) + ".");
        return VmarenaCommand.OK;
    }

    private void machine(final Capabilities caps) {
        final JsonObject json = figures.root();
        json.addProperty("backend", caps.backend());
        json.addProperty("simulated", simulated());
        json.addProperty("timesAreModel", simulated());
        json.addProperty("kernelRelease", caps.kernelRelease());
        json.addProperty("architecture", caps.architecture());
        json.addProperty("pageSizeBytes", caps.pageSize());
        json.addProperty("hugePageBytes", caps.pmdBytes());
        json.addProperty("multiVmaMove", caps.multiVmaMove().available());
        json.addProperty("seed", SEED);
        json.addProperty("scaleDivisor", scale.divisor());
        json.addProperty("segmentBytes", scale.segmentBytes());
        json.addProperty("fillBytesRequested", scale.fillBytes());
        begin("1. The machine: warming up");
        final long warmUpNanos = WarmUp.run(space, scale.segmentBytes());
        json.addProperty("warmUpNanos", warmUpNanos);
        heading("1. The machine");
        line("backend " + caps.backend() + ": Linux " + caps.kernelRelease()
            + (simulated() ? "" : " (" + caps.architecture() + ")") + ", " + Bytes.format(caps.pageSize())
            + " pages, huge pages of " + Bytes.format(caps.pmdBytes()));
        final boolean multiVma = caps.multiVmaMove().available();
        line("multi-VMA moves: " + (multiVma ? "yes, " : "no, ") + caps.multiVmaMove().reason()
            + (multiVma ? "" : ": every move below takes one mremap per VMA"));
        if (simulated()) {
            line("the simulator's address space is " + Bytes.format(SimulatedAddressSpace.DEFAULT_BLOCK_BYTES)
                + " and its moves copy bytes: sizes are 1/" + scale.divisor() + " of Linux's");
        }
        line("warm-up: a throwaway arena grew in place, grew by moving and moved a block in "
            + time(warmUpNanos) + ", mostly the JVM loading code once; "
            + "the times below are without that");
        line("times vary from run to run (page faults, the JIT, other processes); the blocks, their sizes and "
            + "checksums do not: seed " + SEED + " draws the same ones every time");
        blank();
    }

    private boolean check() {
        begin("6. Check");
        final long checking = System.nanoTime();
        final long checkBytes = ledger.liveLengthBytes();
        final int damaged = ledger.firstDamaged(arena, bytes -> progress.advance(bytes, checkBytes));
        final long checkNanos = System.nanoTime() - checking;
        final JsonObject json = figures.step("check");
        json.addProperty("intact", damaged < 0);
        json.addProperty("checkNanos", checkNanos);
        heading("6. Check");
        if (damaged >= 0) {
            final long handle = ledger.handle(damaged);
            json.addProperty("damagedBlock", damaged);
            line("block " + damaged + " (handle " + DemoText.hex(handle) + ", "
                + Bytes.format(ledger.lengthBytes(damaged)) + " at " + DemoText.hex(arena.address(handle))
                + ") does not match the checksum of what was written");
            failed("block " + damaged + " is damaged");
            return false;
        }
        json.addProperty("checksumsVerifiedCount", ledger.liveCount());
        json.addProperty("checkedBytes", ledger.liveLengthBytes());
        line("every live block intact (" + DemoText.count(ledger.liveCount()) + " blocks, "
            + Bytes.format(ledger.liveLengthBytes()) + " checked) in " + time(checkNanos));
        blank();
        return true;
    }

    private boolean close() {
        begin("7. Close");
        noteRange(arena.stats());
        final long closing = System.nanoTime();
        arena.close();
        final long closeNanos = System.nanoTime() - closing;
        arena = null;
        final JsonObject json = figures.step("close");
        json.addProperty("closeNanos", closeNanos);
        final JsonArray rangesJson = new JsonArray();
        json.add("ranges", rangesJson);
        heading("7. Close: unmapped in " + time(closeNanos));
        boolean empty = true;
        String which = ranges.size() > 1 ? " (the arena's first range)" : "";
        for (final Map.Entry<Long, Long> range : ranges.entrySet()) {
            final List<Mapping> left = space.mappings(range.getKey(), range.getValue());
            final JsonObject rangeJson = new JsonObject();
            rangeJson.addProperty("startAddress", range.getKey());
            rangeJson.addProperty("endAddress", range.getValue());
            rangeJson.add("mappingsLeft", DemoFigures.vmas(left));
            rangesJson.add(rangeJson);
            line((left.isEmpty() ? "no mapping left in " : left.size() + " mappings left in ")
                + DemoText.range(range.getKey(), range.getValue()) + which);
            left.forEach(mapping -> line("  " + mapping));
            empty &= left.isEmpty();
            which = " (where it moved)";
        }
        json.addProperty("nothingLeftMapped", empty);
        if (pin != null) {
            pin.afterClose();
        }
        blank();
        if (!empty) {
            failed("the closed arena left mappings behind");
        }
        return empty;
    }

    /** How the demo's arena is built; the compaction step builds its identical second arena the same way. */
    static Arena.Builder arenaBuilder(final String name, final AddressSpace space, final DemoScale scale) {
        return Arena.builder().name(name).addressSpace(space).segmentBytes(scale.segmentBytes())
            .compactionPauseBudget(CompactStep.PAUSE_BUDGET);
    }

    /** After the compaction: step 5a's figures again (the locked bytes follow the bytes the arena holds). */
    void pinnedAfterCompaction(final ArenaStats after) {
        if (pin != null) {
            pin.afterCompaction(after);
        }
    }

    /** Before the compaction step builds its identical arena here: {@link PinStep#beforeTwinInThisProcess}. */
    void beforeTwinInThisProcess() {
        if (pin != null) {
            pin.beforeTwinInThisProcess();
        }
    }

    /** The arena's first address now (it changes when the arena moves). */
    long base() {
        return arena.stats().baseAddress();
    }

    /** Records the arena's current range, for the check after close. */
    void noteRange(final ArenaStats stats) {
        final long base = stats.baseAddress();
        final long end = base + stats.reservedBytes();
        ranges.merge(base, end, Math::max);
    }

    /** The arena's VMAs, as the kernel (or the simulator) reports them; {@code stats} must be current. */
    List<Mapping> vmas(final ArenaStats stats) {
        final long base = stats.baseAddress();
        return space.mappings(base, base + stats.reservedBytes());
    }

    boolean simulated() {
        return DemoScale.isSimulated(space);
    }

    AddressSpace space() {
        return space;
    }

    DemoScale scale() {
        return scale;
    }

    Arena arena() {
        return arena;
    }

    BlockLedger ledger() {
        return ledger;
    }

    ArenaHistory history() {
        return history;
    }

    /** The figures {@code --json} writes; steps add theirs as they print them. */
    DemoFigures figures() {
        return figures;
    }

    /** A step starts: its progress shows if it takes more than a second. */
    void begin(final String step) {
        progress.begin(step, System.nanoTime());
    }

    DemoProgress progress() {
        return progress;
    }

    /** A duration as printed: {@code 12.3 ms}, and {@code 12.3 ms (model)} on the simulator. */
    String time(final long nanos) {
        return DemoText.nanos(nanos) + (simulated() ? " (model)" : "");
    }

    void heading(final String text) {
        line0(text);
    }

    void line(final String text) {
        line0(INDENT + text);
    }

    void blank() {
        line0("");
    }

    private void line0(final String text) {
        progress.print(() -> DemoText.wrap(text, columns).forEach(out::println));
    }

    /** $COLUMNS when it is a number of at least {@link #MIN_COLUMNS}, else {@link #COLUMNS}. */
    static int columns(final String environment) {
        try {
            final int columns = environment == null ? COLUMNS : Integer.parseInt(environment.trim());
            return columns >= MIN_COLUMNS ? columns : COLUMNS;
        } catch (final NumberFormatException notANumber) {
            return COLUMNS;
        }
    }

    /** Lines as long as they come, for tests that match a sentence wherever a wrap would break it. */
    Demo unwrapped() {
        return wrappedAt(Integer.MAX_VALUE);
    }

    /** Lines wrapped at {@code columns}, whatever $COLUMNS says: for tests. */
    Demo wrappedAt(final int columns) {
        this.columns = columns;
        return this;
    }

    /** The three stats lines: the arena's figures, with its resident bytes as measured. */
    void stats(final ArenaStats stats, final ArenaResidency residency) {
        DemoText.stats(stats, residency).forEach(this::line);
    }

    void vmaMap(final String label, final List<Mapping> mappings) {
        line(label + " (" + mappings.size() + (mappings.size() == 1 ? " VMA):" : " VMAs):"));
        DemoText.vmaMap(mappings).forEach(text -> line("  " + text));
    }
}
