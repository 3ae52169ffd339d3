package io.vmarena.ops;

/** A malformed script line: names the file and the line, never guesses what was meant. */
public final class ScriptSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    public ScriptSyntaxException(final String fileName, final int lineNumber, final String message) {
        super(fileName + ":" + lineNumber + ": syntax error: " + message);
    }
}
