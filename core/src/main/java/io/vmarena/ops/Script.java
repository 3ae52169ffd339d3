package io.vmarena.ops;

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
 */
record Script(String name, String windowText, long windowPages, List<Operation> operations, List<String> expected) {
    boolean hasExpectation() {
        return expected != null;
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
