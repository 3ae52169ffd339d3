package io.vmarena.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random scenario scripts for differential testing: a window of 32 to 256 pages and 20
 * to 200 operations, weighted toward what splits, merges and moves across fragments (protect,
 * move, map, unmap, lock). Every script is valid syntax; the same seed gives the same script.
 */
public final class RandomScripts {
    private static final String[] PROTECTIONS = {"---", "r--", "rw-", "rw-", "rw-", "r-x"};
    private static final String[] ADVICE = {"dontneed", "dontneed", "willneed", "free", "hugepage", "nohugepage"};
    /** Relative weights of: map, unmap, protect, touch, fill, check, move, remap, lock, unlock, advise, maps, locked. */
    private static final int[] WEIGHTS = {10, 8, 14, 10, 5, 5, 14, 8, 8, 5, 6, 2, 2};

    private RandomScripts() {
    }

    /** The script for {@code seed}, ending with {@code maps} and {@code locked}. */
    public static String generate(final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int windowPages = 32 + random.nextInt(225);
        final int operations = 20 + random.nextInt(181);
        final List<String> lines = new ArrayList<>();
        lines.add("# random script, seed " + seed);
        lines.add("window " + windowPages);
        lines.add("map 0 " + windowPages / 2 + " rw-");
        for (int i = 0; i < operations; i++) {
            lines.add(operation(random, windowPages));
        }
        lines.add("maps");
        lines.add("locked");
        return String.join("\n", lines) + "\n";
    }

    private static String operation(final SplittableRandom random, final int windowPages) {
        final int page = random.nextInt(windowPages);
        final int count = count(random, windowPages - page);
        switch (pick(random)) {
            case 0:
                return "map " + page + " " + count + " " + PROTECTIONS[random.nextInt(PROTECTIONS.length)];
            case 1:
                return "unmap " + page + " " + count;
            case 2:
                return "protect " + page + " " + count + " " + PROTECTIONS[random.nextInt(PROTECTIONS.length)];
            case 3:
                return "touch " + page + " " + count;
            case 4:
                return "fill " + page + " " + count + " " + random.nextInt(256);
            case 5:
                return "check " + page + " " + count + " " + random.nextInt(256);
            case 6:
                return "move " + page + " " + count + " " + position(random, windowPages, count);
            case 7:
                return remap(random, windowPages, page, count);
            case 8:
                return "lock " + page + " " + count + (random.nextBoolean() ? " onfault" : "");
            case 9:
                return "unlock " + page + " " + count;
            case 10:
                return "advise " + page + " " + count + " " + ADVICE[random.nextInt(ADVICE.length)];
            case 11:
                return "maps";
            default:
                return "locked";
        }
    }

    private static String remap(final SplittableRandom random, final int windowPages, final int page,
        final int count) {
        final int roll = random.nextInt(10);
        final int newCount = roll == 0 ? 0 : roll < 4 ? count : roll < 7 ? random.nextInt(count + 1)
            : count + 1 + random.nextInt(8);
        final StringBuilder line = new StringBuilder("remap " + page + " " + count + " " + newCount);
        final boolean fixed = random.nextInt(3) == 0 && newCount <= windowPages;
        final List<String> flags = new ArrayList<>();
        if (random.nextInt(4) != 0) {
            flags.add("maymove");
        }
        if (fixed) {
            flags.add("fixed " + position(random, windowPages, newCount));
        }
        if (random.nextInt(5) == 0) {
            flags.add("dontunmap");
        }
        while (!flags.isEmpty()) {
            line.append(' ').append(flags.remove(random.nextInt(flags.size())));
        }
        return line.toString();
    }

    /** A page index Q with [Q, Q + count) inside the window (Q itself inside it when count is 0). */
    private static int position(final SplittableRandom random, final int windowPages, final int count) {
        return random.nextInt(count == 0 ? windowPages : windowPages - count + 1);
    }

    /** Mostly 1 to 8 pages; sometimes 0 or up to the end of the window. */
    private static int count(final SplittableRandom random, final int room) {
        final int roll = random.nextInt(20);
        if (roll == 0) {
            return 0;
        }
        if (roll == 1) {
            return random.nextInt(room + 1);
        }
        return Math.min(room, 1 + random.nextInt(8));
    }

    private static int pick(final SplittableRandom random) {
        int total = 0;
        for (final int weight : WEIGHTS) {
            total += weight;
        }
        int roll = random.nextInt(total);
        for (int kind = 0; kind < WEIGHTS.length; kind++) {
            roll -= WEIGHTS[kind];
            if (roll < 0) {
                return kind;
            }
        }
        return WEIGHTS.length - 1;
    }
}
