package io.vmarena.bench.report;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line every report command takes: {@code [--out DIR] [--NAME DIR]... RESULTS.json...},
 * where the options a report knows have defaults and everything else is a results file. With
 * no results file, it prints the usage and exits with 2.
 */
final class ReportArguments {
    private final Map<String, Path> directories;
    private final List<Path> files;

    private ReportArguments(final Map<String, Path> directories, final List<Path> files) {
        this.directories = directories;
        this.files = files;
    }

    /**
     * @param defaults each option the report knows ({@code "--out"} and any others) and its default
     * @param usage what to print when no results file is given
     */
    static ReportArguments parse(final String[] args, final Map<String, String> defaults, final String usage) {
        final Map<String, Path> directories = new HashMap<>();
        defaults.forEach((option, directory) -> directories.put(option, Paths.get(directory)));
        final List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (defaults.containsKey(args[i]) && i + 1 < args.length) {
                directories.put(args[i], Paths.get(args[++i]));
            } else {
                files.add(Paths.get(args[i]));
            }
        }
        if (files.isEmpty()) {
            System.err.println("usage: " + usage);
            System.exit(2);
        }
        return new ReportArguments(directories, files);
    }

    Path directory(final String option) {
        return directories.get(option);
    }

    List<Path> files() {
        return files;
    }
}
