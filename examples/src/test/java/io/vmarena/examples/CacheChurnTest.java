package io.vmarena.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * cache-churn's smoke test: every contender in a child JVM, briefly (2 MiB live, one burst, no
 * settle, 64 MiB heaps), vmarena on the simulator. The peers come from the test class path.
 */
class CacheChurnTest {
    private final CapturedCommand churn = new CapturedCommand("cache-churn");

    private int cacheChurn(final String... args) {
        return churn.run(args);
    }

    @Test
    void shouldRunEveryContenderVerifyEveryValueAndDrawBothCharts(@TempDir final Path dir) throws IOException {
        final int exit = cacheChurn("--backend", "sim", "--size", "2M", "--cycles", "1", "--settle", "0", "--heap",
            "64M", "--out", dir.toString());

        final String text = churn.out();
        assertEquals(0, exit, text + churn.err());
        assertTrue(text.startsWith("cache-churn: 1 bursts to 2 MiB live"), text);
        assertTrue(text.contains("; vmarena on the simulator"), text);
        final Pattern row = Pattern.compile("(?m)^(.{48}) +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) \\| "
            + "([0-9.]+ / [0-9.]+ / [0-9.]+ / [0-9]+) +\\| ([0-9.]+ / [0-9.]+ / [0-9.]+ / [0-9]+) +\\| +(\\d+) +(\\d+)$");
        final Matcher matcher = row.matcher(text);
        int rows = 0;
        long verified = -1;
        for (; matcher.find(); rows++) {
            assertEquals(ChurnContender.values()[rows].label(), matcher.group(1).trim());
            assertEquals(0, Long.parseLong(matcher.group(10)), "failures: " + matcher.group());
            final long rowVerified = Long.parseLong(matcher.group(9));
            assertTrue(rowVerified > 1000, matcher.group());
            assertTrue(verified == -1 || verified == rowVerified, "the same sequence verifies the same values");
            verified = rowVerified;
            assertTrue(Double.parseDouble(matcher.group(5)) > 0.1 && Double.parseDouble(matcher.group(5)) <= 0.2,
                "live after one burst that evicts 90% of 2 MiB: " + matcher.group());
        }
        assertEquals(ChurnContender.values().length, rows, text);
        assertTrue(text.contains("verdict: not judged (the simulator's memory is not the kernel's"), text);

        for (final String png : new String[] {"cache-churn-rss.png", "cache-churn-latency.png"}) {
            final BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(image, png + " does not decode");
            assertTrue(image.getWidth() >= 960 && image.getHeight() == 560, png + " " + image.getWidth());
        }
        final String json = Files.readString(dir.resolve("cache-churn.json"));
        assertTrue(json.contains("\"verdict\": \"not judged\"") && json.contains("\"id\": \"chronicle\"")
            && json.contains("\"backend\": \"sim\""), json);
    }

    @Test
    void shouldRefuseAnUnknownContenderWithTheListAndExitTwo(@TempDir final Path dir) {
        assertEquals(2, cacheChurn("--contenders", "vmarena,redis", "--out", dir.toString()));

        final String text = churn.err();
        assertTrue(text.contains("--contenders: no contender 'redis': choose from vmarena,netty-pooled,"
            + "netty-adaptive,ohc,chronicle"), text);
        assertTrue(text.contains("Usage: vmarena cache-churn"), text);
    }

    @Test
    void shouldRefuseAnEvictShareThatLeavesNoChurnAndExitTwo(@TempDir final Path dir) {
        assertEquals(2, cacheChurn("--evict", "1", "--out", dir.toString()));

        assertTrue(churn.err().contains("--evict between 0 and 1 (both excluded)"),
            churn.err());
    }

    @Test
    void shouldRefuseASizeTheMachineCannotHoldBeforeAnyChildStarts(@TempDir final Path dir) throws IOException {
        assertEquals(2, cacheChurn("--size", "100000G", "--out", dir.resolve("out").toString()));

        final String text = churn.err();
        assertTrue(text.contains("--size 97.7 TiB needs about 293.0 TiB free (3.0 times it: Netty's adaptive "
            + "allocator held 2.9 times it here, plus the heap), and MemAvailable is "), text);
        assertTrue(text.contains("or leave netty-adaptive out of --contenders"), text);
        assertTrue(!Files.exists(dir.resolve("out")), "nothing ran, nothing written");
    }

    @Test
    void shouldPrintItsUsageOnHelp() {
        assertEquals(0, cacheChurn("--help"));

        final String text = churn.out();
        for (final String option : new String[] {"--backend", "--contenders", "--size", "--cycles", "--evict",
            "--value-bytes", "--settle", "--seed", "--heap", "--out", "--peers", "Exit status:"}) {
            assertTrue(text.contains(option), option + " missing from " + text);
        }
    }

    @Test
    void shouldReplaceItsJsonWholeByARenameNotRewriteItInPlace(@TempDir final Path dir) throws IOException {
        final Path json = dir.resolve("cache-churn.json");
        Files.writeString(json, "the previous run's\n");
        // A second name for the previous file: a rename leaves it the previous document, a rewrite in
        // place (the way a reader could find half a document) would change it too.
        final Path previous = Files.createLink(dir.resolve("previous.json"), json);

        assertEquals(0, cacheChurn("--backend", "sim", "--contenders", "vmarena", "--size", "1M", "--cycles", "1",
            "--settle", "0", "--heap", "64M", "--out", dir.toString()), churn.err());

        assertEquals("the previous run's\n", Files.readString(previous));
        final String document = Files.readString(json);
        assertTrue(document.startsWith("{") && document.contains("\"verdict\": \"not judged\"")
            && document.endsWith("}\n"), document);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(),
                "no temporary file left");
        }
    }
}
