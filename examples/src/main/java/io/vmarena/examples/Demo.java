package io.vmarena.examples;

import io.vmarena.Arena;
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

import java.io.PrintStream;
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
 * sets the bytes filled and {@code --backend} the address space.
 *
 * <p>Exit status: 0 when every block is intact and nothing is left mapped, 1 otherwise (or when
 * a step fails), 2 on a wrong option or value.
 */
@Command(name = "demo", description = "the main job: an arena filled, fragmented, trimmed, grown by moving, checked",
    exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:every block intact and nothing left mapped",
        "1:a block was damaged, a mapping was left, or a step failed", VmarenaCommand.EXIT_BAD_INPUT})
final class Demo implements Callable<Integer> {
    /** The seed of the block sizes and of the pattern written into them: the same run every time. */
    static final long SEED = 42;
    private static final String INDENT = "   ";

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
    /** Every range the arena has had: base to end, in the order it had them. */
    private final Map<Long, Long> ranges = new LinkedHashMap<>();
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
        try {
            return story();
        } catch (final RuntimeException e) {
            err.println("vmarena demo failed: " + e);
            return VmarenaCommand.PROBLEM;
        } finally {
            if (arena != null) {
                arena.close();
            }
        }
    }

    private int story() {
        final long started = System.nanoTime();
        ledger = new BlockLedger(space, SEED);
        out.println("vmarena demo: an arena filled, fragmented, trimmed, grown by moving, checked");
        out.println();
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
            err.println("vmarena demo: a block of the per-VMA arena of step 5b is damaged");
            return VmarenaCommand.PROBLEM;
        }
        out.println("The demo took " + DemoText.nanos(System.nanoTime() - started) + ".");
        return VmarenaCommand.OK;
    }

    private void machine(final Capabilities caps) {
        heading("1. The machine");
        line("backend " + caps.backend() + ": Linux " + caps.kernelRelease()
            + (simulated() ? "" : " (" + caps.architecture() + ")") + ", " + Bytes.format(caps.pageSize())
            + " pages, huge pages of " + Bytes.format(caps.pmdBytes()));
        final boolean multiVma = caps.multiVmaMove().available();
        line("multi-VMA moves: " + (multiVma ? "yes, " : "no, ") + caps.multiVmaMove().reason()
            + (multiVma ? "" : ": every move below takes one mremap per VMA"));
        if (simulated()) {
            line("the simulator's address space is " + Bytes.format(SimulatedAddressSpace.DEFAULT_BLOCK_BYTES)
                + " and its moves copy bytes: sizes are 1/" + scale.divisor() + " of Linux's, and times are a "
                + "Java model's, not a kernel's");
        }
        line("warm-up: a throwaway arena grew in place, grew by moving and moved a block in "
            + DemoText.nanos(WarmUp.run(space, scale.segmentBytes())) + ", mostly the JVM loading code once; "
            + "the times below are without that");
        out.println();
    }

    private boolean check() {
        final long checking = System.nanoTime();
        final int damaged = ledger.firstDamaged(arena);
        final long checkNanos = System.nanoTime() - checking;
        heading("6. Check");
        if (damaged >= 0) {
            final long handle = ledger.handle(damaged);
            line("block " + damaged + " (handle " + DemoText.hex(handle) + ", "
                + Bytes.format(ledger.lengthBytes(damaged)) + " at " + DemoText.hex(arena.address(handle))
                + ") does not match the checksum of what was written");
            err.println("vmarena demo: block " + damaged + " is damaged");
            return false;
        }
        line("every live block intact (" + DemoText.count(ledger.liveCount()) + " blocks, "
            + Bytes.format(ledger.liveLengthBytes()) + " checked) in " + DemoText.nanos(checkNanos));
        out.println();
        return true;
    }

    private boolean close() {
        noteRange(arena.stats());
        final long closing = System.nanoTime();
        arena.close();
        final long closeNanos = System.nanoTime() - closing;
        arena = null;
        heading("7. Close: unmapped in " + DemoText.nanos(closeNanos));
        boolean empty = true;
        String which = ranges.size() > 1 ? " (the arena's first range)" : "";
        for (final Map.Entry<Long, Long> range : ranges.entrySet()) {
            final List<Mapping> left = space.mappings(range.getKey(), range.getValue());
            line((left.isEmpty() ? "no mapping left in " : left.size() + " mappings left in ")
                + DemoText.range(range.getKey(), range.getValue()) + which);
            left.forEach(mapping -> line("  " + mapping));
            empty &= left.isEmpty();
            which = " (where it moved)";
        }
        if (pin != null) {
            pin.afterClose();
        }
        out.println();
        if (!empty) {
            err.println("vmarena demo: the closed arena left mappings behind");
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

    void heading(final String text) {
        out.println(text);
    }

    void line(final String text) {
        out.println(INDENT + text);
    }

    void blank() {
        out.println();
    }

    void stats(final ArenaStats stats) {
        DemoText.stats(stats).forEach(this::line);
    }

    void vmaMap(final String label, final List<Mapping> mappings) {
        line(label + " (" + mappings.size() + (mappings.size() == 1 ? " VMA):" : " VMAs):"));
        DemoText.vmaMap(mappings).forEach(text -> line("  " + text));
    }
}
