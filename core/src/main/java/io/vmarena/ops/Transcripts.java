package io.vmarena.ops;

import java.util.ArrayList;
import java.util.List;

/** Comparing transcripts: line by line, exactly, trailing blank lines ignored. */
final class Transcripts {
    private Transcripts() {
    }

    static List<String> withoutTrailingBlankLines(final List<String> lines) {
        int end = lines.size();
        while (end > 0 && lines.get(end - 1).isBlank()) {
            end--;
        }
        return new ArrayList<>(lines.subList(0, end));
    }

    static boolean same(final List<String> expected, final List<String> actual) {
        return withoutTrailingBlankLines(expected).equals(withoutTrailingBlankLines(actual));
    }
}
