package io.vmarena.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two line lists (longest common subsequence, three lines of context), as
 * {@code diff -u} prints it. Transcripts are short, so the quadratic table is fine.
 */
final class UnifiedDiff {
    private static final int CONTEXT = 3;

    private UnifiedDiff() {
    }

    static List<String> diff(final String expectedName, final List<String> expected, final String actualName,
        final List<String> actual) {
        final List<int[]> edits = edits(expected, actual);
        final List<String> out = new ArrayList<>();
        out.add("--- " + expectedName);
        out.add("+++ " + actualName);
        int index = 0;
        while (index < edits.size()) {
            if (edits.get(index)[0] == ' ') {
                index++;
                continue;
            }
            final int hunkStart = Math.max(0, index - CONTEXT);
            int hunkEnd = index;
            int quiet = 0;
            while (hunkEnd < edits.size() && quiet <= 2 * CONTEXT) {
                quiet = edits.get(hunkEnd)[0] == ' ' ? quiet + 1 : 0;
                hunkEnd++;
            }
            hunkEnd -= Math.max(0, quiet - CONTEXT);
            out.addAll(hunk(edits, hunkStart, hunkEnd, expected, actual));
            index = hunkEnd;
        }
        return out;
    }

    /** Each edit is {op, expectedIndex, actualIndex}, op one of ' ', '-', '+'. */
    private static List<int[]> edits(final List<String> expected, final List<String> actual) {
        final int rows = expected.size();
        final int columns = actual.size();
        final int[][] common = new int[rows + 1][columns + 1];
        for (int i = rows - 1; i >= 0; i--) {
            for (int j = columns - 1; j >= 0; j--) {
                common[i][j] = expected.get(i).equals(actual.get(j)) ? common[i + 1][j + 1] + 1
                    : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        final List<int[]> edits = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < rows || j < columns) {
            if (i < rows && j < columns && expected.get(i).equals(actual.get(j))) {
                edits.add(new int[] {' ', i++, j++});
            } else if (i < rows && (j == columns || common[i + 1][j] >= common[i][j + 1])) {
                // Removals before additions, as diff -u prints them.
                edits.add(new int[] {'-', i++, j});
            } else {
                edits.add(new int[] {'+', i, j++});
            }
        }
        return edits;
    }

    private static List<String> hunk(final List<int[]> edits, final int from, final int to,
        final List<String> expected, final List<String> actual) {
        final List<String> body = new ArrayList<>();
        int expectedCount = 0;
        int actualCount = 0;
        for (int k = from; k < to; k++) {
            final int[] edit = edits.get(k);
            if (edit[0] == '+') {
                body.add("+" + actual.get(edit[2]));
                actualCount++;
            } else if (edit[0] == '-') {
                body.add("-" + expected.get(edit[1]));
                expectedCount++;
            } else {
                body.add(" " + expected.get(edit[1]));
                expectedCount++;
                actualCount++;
            }
        }
        final int[] first = edits.get(from);
        final List<String> hunk = new ArrayList<>();
        hunk.add("@@ -" + range(first[1], expectedCount) + " +" + range(first[2], actualCount) + " @@");
        hunk.addAll(body);
        return hunk;
    }

    private static String range(final int start, final int count) {
        return (count == 0 ? start : start + 1) + "," + count;
    }
}
