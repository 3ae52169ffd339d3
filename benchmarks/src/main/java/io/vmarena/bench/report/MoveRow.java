package io.vmarena.bench.report;

/**
 * One MoveBenchmark result: its parameters, the mean time of a move, and what each move did.
 *
 * @param microseconds mean time of one move
 * @param error the 99.9% confidence half-width JMH reports, in microseconds
 * @param systemCalls memory-management calls a move made
 * @param vmasMoved VMAs a move carried
 */
public record MoveRow(String strategy, int vmaCount, long regionBytes, String alignment, boolean populated,
    String layout, double microseconds, double error, double systemCalls, double vmasMoved) {

    /** Bytes moved per second, in GiB/s. */
    public double gibPerSecond() {
        return regionBytes / (microseconds / 1e6) / (1L << 30);
    }

    public boolean matches(final long bytes, final String align, final boolean isPopulated, final String lay) {
        return regionBytes == bytes && alignment.equals(align) && populated == isPopulated && layout.equals(lay);
    }
}
