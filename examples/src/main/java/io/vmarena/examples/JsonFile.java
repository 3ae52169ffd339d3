package io.vmarena.examples;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A JSON document written whole or not at all: into a temporary file beside the target, forced
 * to disk, then renamed over it, so a reader never finds half a document under the target's name
 * and a failure leaves the target as it was. {@link #checkWritable} tries this out before a
 * command spends its time, so that a path that cannot work is a usage error at once.
 */
final class JsonFile {
    private JsonFile() {
    }

    /**
     * Refuses a path the document cannot be renamed onto: an empty one, a directory, a device or
     * pipe (a rename would replace {@code /dev/full} itself), or a directory the process cannot
     * create a file in, found by creating (and deleting) one there.
     *
     * @param option the option's name, for the message
     * @throws IllegalArgumentException saying what is wrong with the path and what to give
     */
    static void checkWritable(final String option, final Path path) {
        if (path.toString().isEmpty()) {
            // An empty path resolves to the working directory: "is a directory" would name nothing.
            throw new IllegalArgumentException(option + " needs a file's path (it was empty), for example demo.json");
        }
        final Path target = target(path);
        if (Files.isDirectory(target)) {
            throw new IllegalArgumentException(option + " " + path + " is a directory: give a file's path, for example "
                + target.resolve("demo.json"));
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            throw new IllegalArgumentException(option + " " + path + " is not a regular file (a device, pipe or "
                + "socket): the document is written beside it and renamed onto it, so give a regular file's path");
        }
        final Path directory = directory(target);
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException(option + " " + path + ": the directory " + directory
                + " does not exist: create it, or give a path in one that does");
        }
        try {
            Files.delete(Files.createTempFile(directory, "." + target.getFileName(), ".tmp"));
        } catch (final IOException | SecurityException e) {
            throw new IllegalArgumentException(option + " " + path + ": cannot create a file in " + directory + " ("
                + e + "): give a path in a directory this process can write");
        }
    }

    /**
     * Writes {@code document} to {@code path}, whole, or throws and leaves {@code path} as it was
     * and no temporary file behind.
     */
    static void write(final Path path, final JsonObject document) throws IOException {
        write(path, writer -> {
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(document, writer);
            writer.write('\n');
        });
    }

    /**
     * Writes {@code document}, JSON already formatted, to {@code path} as {@link #write(Path, JsonObject)}
     * does: whole, or not at all.
     */
    static void write(final Path path, final String document) throws IOException {
        write(path, writer -> writer.write(document));
    }

    /** What goes into the temporary file. */
    private interface Content {
        void writeTo(Writer writer) throws IOException;
    }

    private static void write(final Path path, final Content content) throws IOException {
        final Path target = target(path);
        final Path temporary = Files.createTempFile(directory(target), "." + target.getFileName(), ".tmp");
        try {
            readableByAll(temporary);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                final Writer writer = Channels.newWriter(channel, StandardCharsets.UTF_8);
                content.writeTo(writer);
                writer.flush();
                // On disk before the rename, so a crash leaves the old file or the whole new one.
                channel.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (final IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
    }

    /** A temporary file is the owner's alone; the document is for anyone, as a file written by a shell would be. */
    private static void readableByAll(final Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (final UnsupportedOperationException notPosix) {
            // The file system's default stands.
        }
    }

    /** Where a symbolic link points, so that the rename replaces the file, not the link. */
    private static Path target(final Path path) {
        try {
            return Files.exists(path) ? path.toRealPath() : path.toAbsolutePath();
        } catch (final IOException e) {
            return path.toAbsolutePath();
        }
    }

    private static Path directory(final Path target) {
        final Path parent = target.getParent();
        return parent != null ? parent : target.getRoot();
    }
}
