package io.vmarena.ops;

import io.vmarena.vm.Advice;
import io.vmarena.vm.KernelTrait;
import io.vmarena.vm.Protection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the scenario language (docs/DESIGN.md, "The scenario language"): one operation a line,
 * {@code #} starts a comment, tokens separated by white space, {@code window N} first, every
 * {@code P N} range inside the window, the expected transcript after a line {@code --- expect},
 * and after it any alternative transcripts, each after a line {@code --- expect TRAIT=yes|no ...}
 * naming the kernel traits under which it is printed instead, or {@code --- expect kernel=6.1}
 * naming the kernel (with traits too where they matter there).
 */
final class ScriptParser {
    static final String EXPECT_MARKER = "--- expect";
    /** The kernels a {@code kernel=V} section may name: those the simulator plays apart from the main one. */
    private static final List<String> SIMULATED_OLD_KERNELS = List.of("6.1");
    private static final List<String> PROTECTIONS = List.of("---", "r--", "rw-", "r-x", "rwx");

    private final String fileName;
    private long windowPages = -1;
    private String windowText;
    private int lineNumber;

    private ScriptParser(final String fileName) {
        this.fileName = fileName;
    }

    static Script parse(final String fileName, final String text) throws ScriptSyntaxException {
        return new ScriptParser(fileName).parse(text);
    }

    private Script parse(final String text) throws ScriptSyntaxException {
        final String[] lines = text.split("\r?\n", -1);
        final List<Operation> operations = new ArrayList<>();
        List<String> expected = null;
        final List<Expectation> alternatives = new ArrayList<>();
        for (lineNumber = 1; lineNumber <= lines.length; lineNumber++) {
            final String line = lines[lineNumber - 1];
            if (isExpectMarker(line)) {
                expected = expectations(lines, alternatives);
                break;
            }
            final int comment = line.indexOf('#');
            final String[] tokens = (comment >= 0 ? line.substring(0, comment) : line).trim().split("\\s+");
            if (tokens.length == 1 && tokens[0].isEmpty()) {
                continue;
            }
            final Operation operation = parseOperation(tokens);
            if (operation.kind != OpKind.WINDOW) {
                operations.add(operation);
            }
        }
        if (windowPages < 0) {
            lineNumber = 1;
            throw error("the script has no operations; it must start with 'window N'");
        }
        return new Script(fileName, windowText, windowPages, List.copyOf(operations), expected,
            List.copyOf(alternatives));
    }

    /** {@code --- expect}, alone or followed by conditions; no transcript line starts so. */
    private static boolean isExpectMarker(final String line) {
        final String stripped = line.strip();
        return stripped.equals(EXPECT_MARKER) || stripped.startsWith(EXPECT_MARKER + " ");
    }

    /**
     * The main transcript (from the marker at {@code lineNumber}, which must be the plain one)
     * up to the next marker; each later marker's conditions and transcript go to
     * {@code alternatives}.
     */
    private List<String> expectations(final String[] lines, final List<Expectation> alternatives)
        throws ScriptSyntaxException {
        if (!lines[lineNumber - 1].strip().equals(EXPECT_MARKER)) {
            throw error("the main transcript comes first, after a plain '" + EXPECT_MARKER + "'; alternatives such as '"
                + EXPECT_MARKER + " zero-page=no' follow it");
        }
        List<String> expected = null;
        Map<String, String> conditions = null;
        List<String> section = new ArrayList<>();
        for (int i = lineNumber; i <= lines.length; i++) {
            if (i < lines.length && !isExpectMarker(lines[i])) {
                section.add(lines[i]);
                continue;
            }
            final List<String> transcript = Transcripts.withoutTrailingBlankLines(section);
            if (expected == null) {
                expected = transcript;
            } else {
                alternatives.add(new Expectation(conditions, List.copyOf(transcript)));
            }
            if (i < lines.length) {
                lineNumber = i + 1;
                conditions = conditions(lines[i].strip().substring(EXPECT_MARKER.length()).trim(), alternatives);
                section = new ArrayList<>();
            }
        }
        return expected;
    }

    /**
     * {@code zero-page=no [TRAIT=yes|no ...]} or {@code kernel=6.1}, or both: each name at most
     * once, in a new combination.
     */
    private Map<String, String> conditions(final String text, final List<Expectation> earlier)
        throws ScriptSyntaxException {
        if (text.isEmpty()) {
            throw error("'" + EXPECT_MARKER + "' may appear once; an alternative transcript names the kernel traits "
                + "it was printed under, e.g. '" + EXPECT_MARKER + " zero-page=no', or the kernel, '" + EXPECT_MARKER
                + " kernel=6.1'");
        }
        final Map<String, String> conditions = new LinkedHashMap<>();
        for (final String condition : text.split("\\s+")) {
            final int equals = condition.indexOf('=');
            final String name = equals < 0 ? condition : condition.substring(0, equals);
            final String value = condition.substring(equals + 1);
            if (name.equals(Expectation.KERNEL)) {
                if (!SIMULATED_OLD_KERNELS.contains(value)) {
                    throw error("expected kernel=" + String.join(" or kernel=", SIMULATED_OLD_KERNELS) + " after '"
                        + EXPECT_MARKER + "', got '" + condition + "': the main transcript is the newer kernels'");
                }
            } else if (equals < 0 || KernelTrait.ofOptionName(name) == null
                || !value.equals("yes") && !value.equals("no")) {
                throw error("expected TRAIT=yes, TRAIT=no or kernel=6.1 after '" + EXPECT_MARKER + "', got '"
                    + condition + "'; the traits are " + traitNames());
            }
            if (conditions.put(name, value) != null) {
                throw error("the condition " + name + " is named twice in one '" + EXPECT_MARKER + "' line");
            }
        }
        for (final Expectation other : earlier) {
            if (other.conditions().equals(conditions)) {
                throw error("a transcript for " + other.label() + " was given already");
            }
        }
        return conditions;
    }

    private static String traitNames() {
        final List<String> names = new ArrayList<>();
        for (final KernelTrait trait : KernelTrait.values()) {
            names.add(trait.optionName());
        }
        return String.join(", ", names);
    }

    private Operation parseOperation(final String[] tokens) throws ScriptSyntaxException {
        final OpKind kind = OpKind.of(tokens[0]);
        if (kind == null) {
            throw error("unknown operation '" + tokens[0] + "'; expected one of window, map, unmap, protect, touch, "
                + "fill, check, move, remap, lock, unlock, advise, maps, locked");
        }
        if (kind == OpKind.WINDOW ? windowPages >= 0 : windowPages < 0) {
            throw error(kind == OpKind.WINDOW ? "'window' may appear only once, as the first operation"
                : "the first operation must be 'window N', got '" + tokens[0] + "'");
        }
        final Operation.Builder op = new Operation.Builder();
        op.lineNumber = lineNumber;
        op.kind = kind;
        op.text = String.join(" ", tokens);
        switch (kind) {
            case WINDOW:
                arity(tokens, 2, "window N");
                windowPages = number(tokens[1], "N");
                windowText = op.text;
                if (windowPages < 1) {
                    throw error("the window needs at least one page");
                }
                break;
            case MAP:
            case PROTECT:
                arity(tokens, 4, kind.keyword() + " P N PROT");
                range(op, tokens[1], tokens[2]);
                op.protection = protection(tokens[3]);
                break;
            case UNMAP:
            case TOUCH:
            case UNLOCK:
                arity(tokens, 3, kind.keyword() + " P N");
                range(op, tokens[1], tokens[2]);
                break;
            case FILL:
            case CHECK:
                arity(tokens, 4, kind.keyword() + " P N SEED");
                range(op, tokens[1], tokens[2]);
                // Only SEED & 0xFF matters to the pattern (SEED + 31*i + j) & 0xFF.
                op.seed = (int)(number(tokens[3], "SEED") & 0xFF);
                break;
            case MOVE:
                arity(tokens, 4, "move P N Q");
                range(op, tokens[1], tokens[2]);
                op.targetPageIndex = number(tokens[3], "Q");
                inWindow(op.targetPageIndex, op.pageCount, "Q N");
                break;
            case REMAP:
                parseRemap(op, tokens);
                break;
            case LOCK:
                if (tokens.length == 4 && tokens[3].equals("onfault")) {
                    op.onFault = true;
                } else {
                    arity(tokens, 3, "lock P N [onfault]");
                }
                range(op, tokens[1], tokens[2]);
                break;
            case ADVISE:
                arity(tokens, 4, "advise P N ADVICE");
                range(op, tokens[1], tokens[2]);
                op.advice = advice(tokens[3]);
                break;
            case MAPS:
            case LOCKED:
                arity(tokens, 1, kind.keyword());
                break;
            default:
                throw error("unhandled operation " + kind);
        }
        return op.build();
    }

    /** {@code remap P N M [maymove] [fixed Q] [dontunmap]}, flags in any order, each at most once. */
    private void parseRemap(final Operation.Builder op, final String[] tokens) throws ScriptSyntaxException {
        if (tokens.length < 4) {
            throw error("expected 'remap P N M [maymove] [fixed Q] [dontunmap]'");
        }
        range(op, tokens[1], tokens[2]);
        op.newPageCount = number(tokens[3], "M");
        for (int i = 4; i < tokens.length; i++) {
            switch (tokens[i]) {
                case "maymove":
                    op.mayMove = once(op.mayMove, "maymove");
                    break;
                case "dontunmap":
                    op.dontUnmap = once(op.dontUnmap, "dontunmap");
                    break;
                case "fixed":
                    op.fixed = once(op.fixed, "fixed");
                    if (i + 1 >= tokens.length) {
                        throw error("'fixed' needs the new page index: fixed Q");
                    }
                    op.targetPageIndex = number(tokens[++i], "Q");
                    inWindow(op.targetPageIndex, op.newPageCount, "fixed Q with M pages");
                    break;
                default:
                    throw error("unknown remap flag '" + tokens[i] + "'; expected maymove, fixed Q or dontunmap");
            }
        }
    }

    private boolean once(final boolean seen, final String flag) throws ScriptSyntaxException {
        if (seen) {
            throw error("remap flag '" + flag + "' given twice");
        }
        return true;
    }

    private void range(final Operation.Builder op, final String page, final String count)
        throws ScriptSyntaxException {
        op.pageIndex = number(page, "P");
        op.pageCount = number(count, "N");
        inWindow(op.pageIndex, op.pageCount, "P N");
    }

    private void inWindow(final long pageIndex, final long pageCount, final String what)
        throws ScriptSyntaxException {
        if (pageIndex >= windowPages || pageCount > windowPages - pageIndex) {
            throw error(what + " = " + pageIndex + " " + pageCount + " reaches outside the window of " + windowPages
                + " pages");
        }
    }

    private long number(final String token, final String name) throws ScriptSyntaxException {
        if (token.isEmpty() || token.length() > 18 || !token.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw error(name + " must be a decimal number, got '" + token + "'");
        }
        return Long.parseLong(token);
    }

    private Protection protection(final String token) throws ScriptSyntaxException {
        if (!PROTECTIONS.contains(token)) {
            throw error("PROT must be one of " + String.join(" ", PROTECTIONS) + ", got '" + token + "'");
        }
        return Protection.ofSymbol(token);
    }

    private Advice advice(final String token) throws ScriptSyntaxException {
        switch (token) {
            case "dontneed":
            case "free":
            case "willneed":
            case "hugepage":
            case "nohugepage":
                return Advice.valueOf(token.toUpperCase(Locale.ROOT));
            default:
                throw error("ADVICE must be one of dontneed, free, willneed, hugepage, nohugepage, got '" + token + "'");
        }
    }

    private void arity(final String[] tokens, final int count, final String usage) throws ScriptSyntaxException {
        if (tokens.length != count) {
            throw error("expected '" + usage + "', got '" + String.join(" ", tokens) + "'");
        }
    }

    private ScriptSyntaxException error(final String message) {
        return new ScriptSyntaxException(fileName, lineNumber, message);
    }
}
