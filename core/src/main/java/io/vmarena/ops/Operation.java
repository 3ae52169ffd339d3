package io.vmarena.ops;

import io.vmarena.vm.Advice;
import io.vmarena.vm.Protection;

/**
 * One parsed line of a script. Pages are window page indexes; counts are page counts. Fields an
 * operation does not use are 0, false or null.
 */
final class Operation {
    final int lineNumber;
    final OpKind kind;
    /** The operation's tokens joined by single spaces: what the transcript echoes after "> ". */
    final String text;
    final long pageIndex;
    final long pageCount;
    /** {@code move}'s Q, {@code remap}'s fixed Q. */
    final long targetPageIndex;
    /** {@code remap}'s M: passed to the kernel as it is. */
    final long newPageCount;
    final Protection protection;
    final int seed;
    final Advice advice;
    final boolean onFault;
    final boolean mayMove;
    final boolean fixed;
    final boolean dontUnmap;

    Operation(final Builder builder) {
        lineNumber = builder.lineNumber;
        kind = builder.kind;
        text = builder.text;
        pageIndex = builder.pageIndex;
        pageCount = builder.pageCount;
        targetPageIndex = builder.targetPageIndex;
        newPageCount = builder.newPageCount;
        protection = builder.protection;
        seed = builder.seed;
        advice = builder.advice;
        onFault = builder.onFault;
        mayMove = builder.mayMove;
        fixed = builder.fixed;
        dontUnmap = builder.dontUnmap;
    }

    @Override
    public String toString() {
        return text;
    }

    /** Mutable fields the parser fills in. */
    static final class Builder {
        int lineNumber;
        OpKind kind;
        String text;
        long pageIndex;
        long pageCount;
        long targetPageIndex;
        long newPageCount;
        Protection protection;
        int seed;
        Advice advice;
        boolean onFault;
        boolean mayMove;
        boolean fixed;
        boolean dontUnmap;

        Operation build() {
            return new Operation(this);
        }
    }
}
