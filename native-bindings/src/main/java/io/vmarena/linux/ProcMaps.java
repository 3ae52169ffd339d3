package io.vmarena.linux;

import io.vmarena.vm.Mapping;
import io.vmarena.vm.Protection;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code /proc/self/maps} and {@code /proc/self/smaps}. A maps line is
 * {@code 7f3a00000000-7f3a00200000 rw-p 00000000 00:00 0   [name]}; smaps follows each such
 * line with {@code Key: value} lines, of which {@code Rss}, {@code Locked}, {@code AnonHugePages} and
 * {@code VmFlags} are read (VmFlags {@code lo} = VM_LOCKED, {@code lf} = VM_LOCKONFAULT,
 * {@code nr} = VM_NORESERVE, {@code hg} = VM_HUGEPAGE, {@code nh} = VM_NOHUGEPAGE).
 * Kernel addresses ({@code [vsyscall]}, above the signed range) are skipped.
 */
final class ProcMaps {
    private ProcMaps() {
    }

    /** The VMAs of {@code mapsText} that intersect {@code [fromAddress, toAddress)}. */
    static List<Mapping> parseMaps(final String mapsText, final long fromAddress, final long toAddress) {
        final byte[] bytes = mapsText.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return parseMaps(bytes, bytes.length, fromAddress, toAddress);
    }

    /**
     * The same from raw bytes, as read from /proc/self/maps: the hot path of per-VMA moves on
     * kernels without PROCMAP_QUERY. Addresses are parsed in place; objects are made only for
     * the VMAs in the range. Lines are sorted by address, so parsing stops past the range.
     */
    static List<Mapping> parseMaps(final byte[] text, final int length, final long fromAddress,
        final long toAddress) {
        final List<Mapping> mappings = new ArrayList<>();
        if (fromAddress >= toAddress) {
            return mappings;
        }
        int position = 0;
        while (position < length) {
            final int dash = indexOf(text, position, length, (byte)'-');
            final int space = dash < 0 ? -1 : indexOf(text, dash, length, (byte)' ');
            if (space < 0 || space + 4 > length) {
                break;
            }
            final long start = hex(text, position, dash);
            final long end = hex(text, dash + 1, space);
            if (start >= 0 && end >= 0) {
                if (start >= toAddress) {
                    break;
                }
                if (end > fromAddress) {
                    mappings.add(Mapping.of(start, end, protection(text, space + 1)));
                }
            }
            final int newline = indexOf(text, space, length, (byte)'\n');
            position = newline < 0 ? length : newline + 1;
        }
        return mappings;
    }

    private static int indexOf(final byte[] text, final int from, final int length, final byte wanted) {
        for (int i = from; i < length; i++) {
            if (text[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    /** Hex digits in {@code [from, to)}; -1 for a kernel address (above the signed range) or a non-digit. */
    private static long hex(final byte[] text, final int from, final int to) {
        if (to - from > 16 || to == from) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            final int digit = Character.digit(text[i], 16);
            if (digit < 0) {
                return -1;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private static Protection protection(final byte[] text, final int at) {
        return Protection.ofBits((text[at] == 'r' ? 1 : 0) | (text[at + 1] == 'w' ? 2 : 0) | (text[at + 2] == 'x' ? 4 : 0));
    }

    /** The VMAs of {@code smapsText} that intersect the range, with lock flags and resident pages. */
    static List<Mapping> parseSmaps(final String smapsText, final long fromAddress, final long toAddress,
        final long pageSize) {
        final List<Mapping> mappings = new ArrayList<>();
        Header current = null;
        long rssBytes = 0;
        long lockedBytes = 0;
        long anonHugePageBytes = 0;
        int lineStart = 0;
        while (lineStart < smapsText.length()) {
            final int lineEnd = lineEnd(smapsText, lineStart);
            final Header header = Header.parse(smapsText, lineStart, lineEnd);
            if (header != null) {
                current = header.intersects(fromAddress, toAddress) ? header : null;
                rssBytes = 0;
                lockedBytes = 0;
                anonHugePageBytes = 0;
            } else if (current != null && smapsText.startsWith("Rss:", lineStart)) {
                rssBytes = ProcFiles.kilobytes(smapsText.substring(lineStart + 4, lineEnd).trim());
            } else if (current != null && smapsText.startsWith("Locked:", lineStart)) {
                lockedBytes = ProcFiles.kilobytes(smapsText.substring(lineStart + 7, lineEnd).trim());
            } else if (current != null && smapsText.startsWith("AnonHugePages:", lineStart)) {
                anonHugePageBytes = ProcFiles.kilobytes(smapsText.substring(lineStart + 14, lineEnd).trim());
            } else if (current != null && smapsText.startsWith("VmFlags:", lineStart)) {
                final String flags = " " + smapsText.substring(lineStart + 8, lineEnd).trim() + " ";
                mappings.add(Mapping.withDetails(current.startAddress, current.endAddress, current.protection,
                    flags.contains(" lo "), flags.contains(" lf "), flags.contains(" nr "), rssBytes / pageSize,
                    lockedBytes / pageSize).withHugePages(flags.contains(" hg "), flags.contains(" nh "),
                    anonHugePageBytes));
                current = null;
            }
            lineStart = lineEnd + 1;
        }
        return mappings;
    }

    /** Lines of maps text (the process's map count, less the gate VMA, kernel-semantics O4). */
    static int countMappings(final String mapsText) {
        int count = 0;
        int lineStart = 0;
        while (lineStart < mapsText.length()) {
            final int lineEnd = lineEnd(mapsText, lineStart);
            if (Header.parse(mapsText, lineStart, lineEnd) != null) {
                count++;
            }
            lineStart = lineEnd + 1;
        }
        return count;
    }

    private static int lineEnd(final String text, final int lineStart) {
        final int newline = text.indexOf('\n', lineStart);
        return newline < 0 ? text.length() : newline;
    }

    /** The first fields of a maps line. */
    private static final class Header {
        final long startAddress;
        final long endAddress;
        final Protection protection;

        private Header(final long startAddress, final long endAddress, final Protection protection) {
            this.startAddress = startAddress;
            this.endAddress = endAddress;
            this.protection = protection;
        }

        /** An empty range intersects nothing, whatever VMA its start lies in. */
        boolean intersects(final long fromAddress, final long toAddress) {
            return fromAddress < toAddress && startAddress < toAddress && fromAddress < endAddress;
        }

        /** The header of a maps line, or null when the line is a smaps field or a kernel address. */
        static Header parse(final String text, final int lineStart, final int lineEnd) {
            final int dash = text.indexOf('-', lineStart);
            if (dash <= lineStart || dash >= lineEnd || !isHex(text, lineStart, dash)) {
                return null;
            }
            final int space = text.indexOf(' ', dash);
            if (space < 0 || space + 4 > lineEnd || !isHex(text, dash + 1, space)) {
                return null;
            }
            final long start = Long.parseUnsignedLong(text.substring(lineStart, dash), 16);
            final long end = Long.parseUnsignedLong(text.substring(dash + 1, space), 16);
            if (start < 0 || end < 0) {
                return null;
            }
            return new Header(start, end, Protection.ofSymbol(text.substring(space + 1, space + 4)));
        }

        private static boolean isHex(final String text, final int from, final int to) {
            for (int i = from; i < to; i++) {
                if (Character.digit(text.charAt(i), 16) < 0) {
                    return false;
                }
            }
            return to > from;
        }
    }
}
