package io.vmarena.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The conformance scenarios in core/src/test/resources/scenarios: found from the module that
 * runs the tests (core itself, or a sibling such as native-bindings).
 */
public final class Scenarios {
    /** A scenario file with the options it needs: {@code # options: --memlock 0 --no-ipc-lock}. */
    public record Scenario(Path path, String text, List<String> options) {
        public String name() {
            return path.getParent().getFileName() + "/" + path.getFileName();
        }

        public boolean unprivileged() {
            return options.contains("--no-ipc-lock");
        }

        /**
         * The {@code --memlock} value for pages of {@code pageSize} bytes, or -1. The headers were
         * written for 4 KiB pages ({@code --memlock 16384} is "4 pages", and the transcripts count
         * pages), so the value is scaled: 65536 bytes with 16 KiB pages (.ci/arm64's 16k lane
         * found the unscaled limit to be one page there).
         */
        public long memlockBytes(final long pageSize) {
            final int index = options.indexOf("--memlock");
            return index < 0 ? -1 : Long.parseLong(options.get(index + 1)) / 4096 * pageSize;
        }
    }

    private Scenarios() {
    }

    public static Path directory() {
        for (final String candidate : List.of("src/test/resources/scenarios", "../core/src/test/resources/scenarios")) {
            final Path path = Paths.get(candidate);
            if (Files.isDirectory(path)) {
                return path;
            }
        }
        throw new IllegalStateException("cannot find core/src/test/resources/scenarios from " + Paths.get("")
            .toAbsolutePath());
    }

    public static List<Scenario> all() {
        final List<Scenario> scenarios = new ArrayList<>();
        try (Stream<Path> files = Files.walk(directory())) {
            for (final Path path : (Iterable<Path>)files.filter(p -> p.toString().endsWith(".ops")).sorted()::iterator) {
                final String text = Files.readString(path, StandardCharsets.UTF_8);
                scenarios.add(new Scenario(path, text, options(text)));
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return scenarios;
    }

    private static List<String> options(final String text) {
        for (final String line : text.split("\n")) {
            if (line.startsWith("# options:")) {
                return List.of(line.substring("# options:".length()).trim().split("\\s+"));
            }
        }
        return List.of();
    }

    /** Parses a scenario file; a syntax error fails the caller's test with the message. */
    public static Script parse(final Scenario scenario) {
        try {
            return ScriptParser.parse(scenario.name(), scenario.text());
        } catch (final ScriptSyntaxException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }
}
