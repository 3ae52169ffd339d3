package io.vmarena;

import io.vmarena.support.LiveBlocks;
import io.vmarena.vm.AddressSpace;
import io.vmarena.vm.Mapping;
import io.vmarena.vm.MappingSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Named steps on real arenas over one address space, each answering one line of facts that a
 * test compares: the same steps run in this JVM on the simulator and in a child JVM on Linux
 * (without CAP_IPC_LOCK, under a small RLIMIT_MEMLOCK: see {@code PinningChild}), so one
 * contract ({@link PinningLimitsContract}) covers both. A step never throws: a failure is the
 * line {@code FAILED: ...}. Every arena's blocks carry a pattern that {@code check} reads back
 * byte by byte. A pinning policy's tests may add steps here.
 *
 * <ul>
 *   <li>{@code limit}: {@code memlock=B ipcLock=BOOL baseLocked=B}</li>
 *   <li>{@code arena:NAME:SEGMENTS[:STRATEGY]}: builds an arena (moving growth, 2 retained
 *       segments, the MoveStrategy named or AUTO) and fills it with small blocks and runs until it
 *       holds SEGMENTS segments</li>
 *   <li>{@code pin:NAME}, {@code unpin:NAME}: {@code STATE pinned=B unpinned=B held=B | reason}</li>
 *   <li>{@code grow:NAME:SEGMENTS}: runs of one to three segments until SEGMENTS more are held</li>
 *   <li>{@code realloc:NAME:SEGMENTS}: the largest block grows by SEGMENTS segments (it moves to the end)</li>
 *   <li>{@code free:NAME}: frees every other block past the tenth</li>
 *   <li>{@code compact:NAME}, {@code trim:NAME}, {@code close:NAME}</li>
 *   <li>{@code populate:NAME}: {@code method=M populated=B before=B after=B held=B | reason}</li>
 *   <li>{@code check}: every byte of every open arena, then
 *       {@code vmlckDelta=B pinned=B lockedVmas=B held=B}</li>
 *   <li>{@code warnings}: {@code count=N | message || message}: the pinning WARNINGs logged</li>
 *   <li>{@code random:SEED:STEPS}: the model test ({@link PinningModel}), {@code ok ...}</li>
 * </ul>
 */
public final class PinningSteps implements AutoCloseable {
    private static final Logger ARENA_LOGGER = Logger.getLogger(Arena.class.getName());

    private final AddressSpace space;
    private final long segmentBytes;
    private final long baseLockedBytes;
    /** Arena names carry this prefix, so warnings of other tests' arenas in the same JVM are not counted. */
    private final String prefix;
    private final Map<String, Held> arenas = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(final LogRecord record) {
            final String message = record.getMessage();
            if (record.getLevel() == Level.WARNING && message != null && message.contains("'" + prefix)) {
                synchronized (warnings) {
                    warnings.add(message);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /** An arena and the model of its live blocks. */
    static final class Held {
        final Arena arena;
        final LiveBlocks blocks;
        final SplittableRandom random;

        Held(final Arena arena, final LiveBlocks blocks, final SplittableRandom random) {
            this.arena = arena;
            this.blocks = blocks;
            this.random = random;
        }
    }

    public PinningSteps(final AddressSpace space, final String prefix) {
        this.space = space;
        this.segmentBytes = Math.max(64L << 10, 4 * space.pageSize());
        this.baseLockedBytes = space.lockedBytes();
        this.prefix = prefix;
        ARENA_LOGGER.addHandler(handler);
    }

    /** Runs the steps in order; the answers in the same order. */
    public List<String> runAll(final List<String> steps) {
        final List<String> answers = new ArrayList<>();
        for (final String step : steps) {
            answers.add(run(step));
        }
        return answers;
    }

    /** Runs one step; never throws. */
    public String run(final String step) {
        try {
            return answer(step.split(":"));
        } catch (final Throwable failure) {
            final StringBuilder text = new StringBuilder("FAILED: ").append(failure);
            for (final StackTraceElement frame : failure.getStackTrace()) {
                if (frame.getClassName().startsWith("io.vmarena")) {
                    text.append(" at ").append(frame);
                    break;
                }
            }
            return text.toString();
        }
    }

    private String answer(final String[] step) {
        switch (step[0]) {
            case "limit":
                return "memlock=" + space.capabilities().memlockSoftBytes() + " ipcLock="
                    + space.capabilities().ipcLock().available() + " baseLocked=" + baseLockedBytes;
            case "arena":
                return build(step[1], Integer.parseInt(step[2]),
                    step.length > 3 ? io.vmarena.vm.MoveStrategy.valueOf(step[3]) : io.vmarena.vm.MoveStrategy.AUTO);
            case "pin":
                return describe(arenas.get(step[1]), held(step[1]).arena.pin());
            case "unpin":
                return describe(arenas.get(step[1]), held(step[1]).arena.unpin());
            case "grow":
                return grow(held(step[1]), Integer.parseInt(step[2]));
            case "realloc":
                return reallocateLargest(held(step[1]), Integer.parseInt(step[2]));
            case "free":
                return freeEveryOther(held(step[1]));
            case "compact": {
                final CompactionResult result = held(step[1]).arena.compact();
                return "complete=" + result.complete() + " moved=" + result.movedBytes();
            }
            case "trim":
                return "given=" + held(step[1]).arena.trim(Long.MAX_VALUE);
            case "populate":
                return populate(held(step[1]));
            case "close":
                arenas.remove(step[1]).arena.close();
                return "closed";
            case "check":
                return check();
            case "warnings":
                synchronized (warnings) {
                    return "count=" + warnings.size() + " | " + String.join(" || ", warnings);
                }
            case "random":
                return new PinningModel(space, prefix + "random", segmentBytes, baseLockedBytes + pinnedOfOpenArenas())
                    .run(Long.parseLong(step[1]), Integer.parseInt(step[2]));
            default:
                throw new IllegalArgumentException("unknown step " + String.join(":", step));
        }
    }

    private Held held(final String name) {
        final Held held = arenas.get(name);
        if (held == null) {
            throw new IllegalArgumentException("no arena named " + name);
        }
        return held;
    }

    private String build(final String name, final int segments, final io.vmarena.vm.MoveStrategy moveStrategy) {
        final Arena arena = Arena.builder().name(prefix + name).addressSpace(space).segmentBytes(segmentBytes)
            .initialBytes(8 * segmentBytes).maximumBytes(512 * segmentBytes).retainedBytes(2 * segmentBytes)
            .inPlaceGrowth(false).moveStrategy(moveStrategy).compactionPauseBudget(Duration.ofSeconds(60)).build();
        final Held held = new Held(arena, new LiveBlocks(space), new SplittableRandom(name.hashCode()));
        arenas.put(name, held);
        for (int index = 0; index < 20; index++) {
            add(held, 1 + held.random.nextLong(segmentBytes / 8));
        }
        while (heldBytes(arena) < segments * segmentBytes) {
            add(held, (1 + held.random.nextInt(3)) * segmentBytes - held.random.nextInt(64));
        }
        return "held=" + heldBytes(arena);
    }

    static LiveBlocks.Block add(final Held held, final long lengthBytes) {
        final long handle = held.arena.allocate(lengthBytes);
        final LiveBlocks.Block block = held.blocks.add(handle, lengthBytes, held.random.nextLong());
        held.blocks.write(held.arena.address(handle), block, 0);
        return block;
    }

    private String grow(final Held held, final int segments) {
        final long target = heldBytes(held.arena) + segments * segmentBytes;
        while (heldBytes(held.arena) < target) {
            add(held, (1 + held.random.nextInt(3)) * segmentBytes - held.random.nextInt(64));
        }
        return "moves=" + held.arena.stats().moves() + " held=" + heldBytes(held.arena);
    }

    private String reallocateLargest(final Held held, final int segments) {
        LiveBlocks.Block largest = held.blocks.blocks().get(0);
        for (final LiveBlocks.Block block : held.blocks.blocks()) {
            if (block.lengthBytes > largest.lengthBytes) {
                largest = block;
            }
        }
        final long address = held.arena.address(largest.handle);
        final long oldLengthBytes = largest.lengthBytes;
        largest.handle = held.arena.reallocate(largest.handle, oldLengthBytes + segments * segmentBytes);
        largest.lengthBytes = oldLengthBytes + segments * segmentBytes;
        held.blocks.write(held.arena.address(largest.handle), largest, oldLengthBytes);
        return "moved=" + (held.arena.address(largest.handle) != address) + " held=" + heldBytes(held.arena);
    }

    private String freeEveryOther(final Held held) {
        for (int index = held.blocks.size() - 2; index >= 10; index -= 2) {
            held.arena.free(held.blocks.remove(index).handle);
        }
        return "retained=" + held.arena.stats().retainedBytes() + " held=" + heldBytes(held.arena);
    }

    private String populate(final Held held) {
        final PopulateResult result = held.arena.populate();
        held.blocks.checkAll(held.arena::address, held.arena::capacity, "after populate");
        return "method=" + result.method() + " populated=" + result.populatedBytes() + " before="
            + result.residentBytesBefore() + " after=" + result.residentBytesAfter() + " held="
            + heldBytes(held.arena) + " | " + result.reason();
    }

    private String check() {
        long pinnedBytes = 0;
        long lockedVmaBytes = 0;
        long heldBytes = 0;
        for (final Map.Entry<String, Held> entry : arenas.entrySet()) {
            final Arena arena = entry.getValue().arena;
            entry.getValue().blocks.checkAll(arena::address, arena::capacity, "check of " + entry.getKey());
            final ArenaStats stats = arena.stats();
            pinnedBytes += stats.pin().pinnedBytes();
            heldBytes += heldBytes(arena);
            lockedVmaBytes += lockedVmaBytes(space, stats);
        }
        return "vmlckDelta=" + (space.lockedBytes() - baseLockedBytes) + " pinned=" + pinnedBytes + " lockedVmas="
            + lockedVmaBytes + " held=" + heldBytes;
    }

    private long pinnedOfOpenArenas() {
        long pinnedBytes = 0;
        for (final Held held : arenas.values()) {
            pinnedBytes += held.arena.stats().pin().pinnedBytes();
        }
        return pinnedBytes;
    }

    /** The bytes of the locked VMAs in the arena's range, from smaps (or the simulator's VMAs). */
    static long lockedVmaBytes(final AddressSpace space, final ArenaStats stats) {
        long lockedBytes = 0;
        for (final Mapping vma : space.mappings(stats.baseAddress(), stats.baseAddress() + stats.reservedBytes(),
            MappingSource.SMAPS)) {
            if (vma.locked()) {
                lockedBytes += Math.min(vma.endAddress(), stats.baseAddress() + stats.reservedBytes())
                    - Math.max(vma.startAddress(), stats.baseAddress());
            }
        }
        return lockedBytes;
    }

    /** The bytes the arena holds: segments in use and retained (what a pin locks). */
    static long heldBytes(final Arena arena, final long segmentBytes) {
        final ArenaStats stats = arena.stats();
        return (long)(stats.classSegments() + stats.runSegments()) * segmentBytes + stats.retainedBytes();
    }

    private long heldBytes(final Arena arena) {
        return heldBytes(arena, segmentBytes);
    }

    private String describe(final Held held, final PinStatus status) {
        return status.state() + " pinned=" + status.pinnedBytes() + " unpinned=" + status.unpinnedBytes() + " held="
            + heldBytes(held.arena) + " | " + status.reason();
    }

    @Override
    public void close() {
        for (final Held held : arenas.values()) {
            held.arena.close();
        }
        arenas.clear();
        ARENA_LOGGER.removeHandler(handler);
    }

    /** The value of {@code key=} in an answer, as a long. */
    public static long field(final String answer, final String key) {
        final int at = answer.indexOf(key + "=");
        if (at < 0) {
            throw new AssertionError("no " + key + " in: " + answer);
        }
        int end = at + key.length() + 1;
        while (end < answer.length() && answer.charAt(end) != ' ') {
            end++;
        }
        return Long.parseLong(answer.substring(at + key.length() + 1, end));
    }
}
