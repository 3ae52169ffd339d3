package io.vmarena.vm;

/** The {@code madvise} advice values that vmarena uses. */
public enum Advice {
    /** Drop the pages: private anonymous memory reads as zero afterwards. Refused on locked VMAs. */
    DONTNEED,
    /** Let the kernel reclaim the pages lazily; they keep their contents until it does. */
    FREE,
    /** Read the pages in ahead of use. */
    WILLNEED,
    /** Back the range with transparent huge pages where possible. */
    HUGEPAGE,
    /** Never back the range with transparent huge pages. */
    NOHUGEPAGE,
    /** Populate the range writable now (Linux 5.14+), so that first touch does not fault. */
    POPULATE_WRITE
}
