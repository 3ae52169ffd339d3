package io.vmarena.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * cache-churn's options as a hostile user gives them: each one that cannot work is bad input
 * (exit 2, saying which option and what to give, with the usage) before any child JVM starts,
 * not a child's failure (exit 1) or a Java exception's name.
 */
class CacheChurnAttackTest {
    private final CapturedCommand churn = new CapturedCommand("cache-churn");

    private int cacheChurn(final String... args) {
        return churn.run(args);
    }

    private String refusedBeforeAnyChild() {
        final String text = churn.err();
        assertTrue(text.contains("Usage: vmarena cache-churn"), text);
        assertFalse(text.contains("cache-churn: vmarena"), "a child ran: " + text);
        assertEquals("", churn.out());
        return text;
    }

    @Test
    void shouldRefuseAnOutThatCannotBeADirectory(@TempDir final Path dir) throws IOException {
        final Path file = Files.writeString(dir.resolve("a-file"), "x");

        assertEquals(2, cacheChurn("--backend", "sim", "--contenders", "vmarena", "--size", "1M", "--out",
            file.resolve("out").toString()));

        final String text = refusedBeforeAnyChild();
        assertTrue(text.startsWith("--out " + file.resolve("out") + " cannot be made a directory ("), text);
        assertTrue(text.contains("): give a directory to write the charts and the JSON into"), text);
    }

    @Test
    void shouldRefuseAHeapNoJvmStartsIn(@TempDir final Path dir) {
        assertEquals(2, cacheChurn("--backend", "sim", "--contenders", "vmarena", "--size", "1M", "--heap", "1",
            "--out", dir.toString()));

        final String text = refusedBeforeAnyChild();
        assertTrue(text.startsWith("--heap 1 bytes is less than a child JVM starts in: give at least 16M"), text);
    }

    @Test
    void shouldRefuseASizeWhoseBurstsLeaveNothingLive(@TempDir final Path dir) {
        assertEquals(2, cacheChurn("--backend", "sim", "--contenders", "vmarena", "--size", "1", "--out",
            dir.toString()));

        final String text = refusedBeforeAnyChild();
        assertTrue(text.startsWith("--size 1 bytes with --evict 0.9 leaves 0 bytes live after each burst, less than "
            + "one entry of the largest value (8 + 8192 bytes), so RSS after the bursts has nothing to be judged "
            + "against: give a --size of at least 82001 bytes, or a smaller --value-bytes"), text);
    }
}
