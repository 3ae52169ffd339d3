package io.vmarena.ops;

import java.util.List;

/**
 * A parsed scenario file.
 *
 * @param name the file name as given, for headers and errors
 * @param windowPages N of {@code window N}
 * @param operations every line after {@code window}, in order
 * @param expected the transcript after {@code --- expect}, trailing blank lines removed; null
 *     when the file has none
 */
record Script(String name, long windowPages, List<Operation> operations, List<String> expected) {
    boolean hasExpectation() {
        return expected != null;
    }
}
