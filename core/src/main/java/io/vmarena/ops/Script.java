package io.vmarena.ops;

import io.vmarena.vm.Capabilities;

import java.util.List;

/**
 * A parsed scenario file.
 *
 * @param name the file name as given, for headers and errors
 * @param windowText the window line's tokens joined by single spaces, as the transcript echoes it
 * @param windowPages N of {@code window N}
 * @param operations every line after {@code window}, in order
 * @param expected the transcript after {@code --- expect}, trailing blank lines removed; null
 *     when the file has none
 * @param alternatives the transcripts after {@code --- expect TRAIT=yes|no ...} or
 *     {@code --- expect kernel=6.1}, in file order: what such a kernel prints instead
 */
record Script(String name, String windowText, long windowPages, List<Operation> operations, List<String> expected,
    List<Expectation> alternatives) {
    boolean hasExpectation() {
        return expected != null;
    }

    /**
     * The transcript a kernel with these capabilities must print: the alternative naming the
     * most conditions that all hold (the first in the file among equals), else the main one
     * (null when the file has none). So {@code kernel=6.1 zero-page=no} wins over
     * {@code kernel=6.1} on a 6.1 build without the zero page.
     */
    List<String> expectedFor(final Capabilities kernel) {
        final Expectation chosen = expectationFor(kernel);
        return chosen == null ? expected : chosen.lines();
    }

    /** The alternative that applies to such a kernel, or null for the main transcript. */
    Expectation expectationFor(final Capabilities kernel) {
        Expectation chosen = null;
        for (final Expectation alternative : alternatives) {
            if (alternative.appliesTo(kernel)
                && (chosen == null || alternative.conditions().size() > chosen.conditions().size())) {
                chosen = alternative;
            }
        }
        return chosen;
    }

    /** The largest page count the script names, remap's M included: how much room it may need. */
    long largestPageCount() {
        long largest = windowPages;
        for (final Operation operation : operations) {
            largest = Math.max(largest, Math.max(operation.pageCount, operation.newPageCount));
        }
        return largest;
    }
}
