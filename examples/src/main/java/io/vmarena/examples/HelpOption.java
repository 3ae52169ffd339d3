package io.vmarena.examples;

import picocli.CommandLine.Option;

/**
 * {@code -h, --help}, a picocli mixin of every command: the command's usage on stdout, exit 0.
 * Not inherited from the root, since picocli's {@code help} sub-command declares its own.
 */
final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "print this usage and exit")
    private boolean helpAsked;
}
