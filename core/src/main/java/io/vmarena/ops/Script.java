package io.vmarena.ops;

import io.vmarena.vm.KernelTrait;

import java.util.List;
import java.util.function.Predicate;

/**
 * A parsed scenario file.
 *
 * @param name the file name as given, for headers and errors
 * @param windowText the window line's tokens joined by single spaces, as the transcript echoes it
 * @param windowPages N of {@code window N}
 * @param operations every line after {@code window}, in order
 * @param expected the transcript after {@code --- expect}, trailing blank lines removed; null
 *     when the file has none
 * @param alternatives the transcripts after {@code --- expect TRAIT=yes|no ...}, in file order:
 *     what a kernel with those traits prints instead
 */
record Script(String name, String windowText, long windowPages, List<Operation> operations, List<String> expected,
    List<Expectation> alternatives) {
    boolean hasExpectation() {
        return expected != null;
    }

    /**
     * The transcript a kernel with these traits must print: the first alternative whose
     * conditions all hold, else the main one (null when the file has none).
     */
    List<String> expectedFor(final Predicate<KernelTrait> kernelHas) {
        final Expectation chosen = expectationFor(kernelHas);
        return chosen == null ? expected : chosen.lines();
    }

    /** The alternative that applies to such a kernel, or null for the main transcript. */
    Expectation expectationFor(final Predicate<KernelTrait> kernelHas) {
        for (final Expectation alternative : alternatives) {
            if (alternative.appliesTo(kernelHas)) {
                return alternative;
            }
        }
        return null;
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
