package io.vmarena.vm;

/**
 * Page protection, as {@code mmap}/{@code mprotect} take it and as {@code /proc/self/maps}
 * prints it. The ordinal-independent {@link #bits()} are POSIX's {@code PROT_READ} (1),
 * {@code PROT_WRITE} (2) and {@code PROT_EXEC} (4).
 */
public enum Protection {
    NONE("---", 0),
    READ("r--", 1),
    WRITE("-w-", 2),
    READ_WRITE("rw-", 3),
    EXECUTE("--x", 4),
    READ_EXECUTE("r-x", 5),
    WRITE_EXECUTE("-wx", 6),
    READ_WRITE_EXECUTE("rwx", 7);

    private static final Protection[] BY_BITS = {
        NONE, READ, WRITE, READ_WRITE, EXECUTE, READ_EXECUTE, WRITE_EXECUTE, READ_WRITE_EXECUTE
    };

    private final String symbol;
    private final int bits;

    Protection(final String symbol, final int bits) {
        this.symbol = symbol;
        this.bits = bits;
    }

    /** The three-letter form used by {@code /proc/self/maps} and the scenario language: {@code rw-}. */
    public String symbol() {
        return symbol;
    }

    /** {@code PROT_READ | PROT_WRITE | PROT_EXEC} bits. */
    public int bits() {
        return bits;
    }

    public boolean canRead() {
        return (bits & 1) != 0;
    }

    public boolean canWrite() {
        return (bits & 2) != 0;
    }

    /** The protection with these {@code PROT_*} bits; bits outside 0..7 are refused. */
    public static Protection ofBits(final int bits) {
        if (bits < 0 || bits >= BY_BITS.length) {
            throw new IllegalArgumentException("protection bits must be a combination of read (1), write (2) "
                + "and execute (4), got " + bits);
        }
        return BY_BITS[bits];
    }

    /**
     * Parses the first three characters of a {@code /proc/self/maps} permission field
     * ({@code rw-p} or {@code rw-}).
     */
    public static Protection ofSymbol(final CharSequence symbol) {
        if (symbol.length() < 3) {
            throw new IllegalArgumentException("protection must look like r--, rw- or ---, got '" + symbol + "'");
        }
        int bits = 0;
        bits |= flag(symbol, 0, 'r', 1);
        bits |= flag(symbol, 1, 'w', 2);
        bits |= flag(symbol, 2, 'x', 4);
        return BY_BITS[bits];
    }

    private static int flag(final CharSequence symbol, final int index, final char letter, final int bit) {
        final char c = symbol.charAt(index);
        if (c == letter) {
            return bit;
        }
        if (c == '-') {
            return 0;
        }
        throw new IllegalArgumentException("protection must look like r--, rw- or ---, got '" + symbol + "'");
    }
}
