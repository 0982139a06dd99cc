package io.cpt4j.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Temp-name-then-rename file writing, as every file cpt4j writes is written: the content goes to a
 * hidden sibling ({@link #temporarySibling}) which is fsynced and then renamed over the target, so
 * a crash never leaves a partial file under the final name, and a rerun removes the temporaries a
 * killed process left behind. Directories are replaced the same way ({@link #replaceDirectory}).
 *
 * <p>Public so that applications and the {@code cpt4j} CLI write their own files with the same
 * guarantee. Stateless and thread-safe; two writers of the same target race only on the final
 * rename (the last one wins, neither sees a partial file).
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes a file through a temporary sibling. */
  @FunctionalInterface
  public interface Writer {
    void writeTo(Path temporary) throws IOException;
  }

  /**
   * A fresh hidden sibling name such as {@code .model.safetensors.tmp-1a2b3c4d-4711-3f2a9c}: the
   * kind, this host's tag, this process's id and a random part. First removes what {@link
   * StaleSiblings#sweep} finds: temporaries of {@code target} left by a process of this host that
   * is gone (a killed write), so a rerun cleans up after a crash.
   */
  public static Path temporarySibling(Path target, String kind) {
    Path abs = target.toAbsolutePath();
    StaleSiblings.sweep(abs);
    String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
    return abs.resolveSibling("." + abs.getFileName() + "." + kind + "-" + StaleSiblings.OWNER + "-" + suffix);
  }

  /** Runs {@code writer} on a temp sibling, fsyncs it and renames it over {@code target}. */
  public static void write(Path target, Writer writer) throws IOException {
    Path tmp = temporarySibling(target, "tmp");
    try {
      writer.writeTo(tmp);
      fsync(tmp);
      move(tmp, target);
      fsyncDirectory(target.toAbsolutePath().getParent());
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes bytes atomically. */
  public static void write(Path target, byte[] content) throws IOException {
    write(target, tmp -> Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
  }

  /** Atomic rename, replacing the target if it is a file. */
  public static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system cannot rename " + from + " to " + to + " atomically", e);
    }
  }

  public static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Makes a rename durable. Best effort: some file systems refuse to open directories. */
  public static void fsyncDirectory(Path dir) {
    if (dir == null) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not supported here (e.g. some network file systems); the rename itself is still atomic.
    }
  }

  /**
   * Renames directory {@code staging} to {@code target}. An existing target is renamed aside to a
   * hidden {@code .old-} sibling first and deleted after (an empty one is just deleted), so the
   * target name only ever holds a complete directory; a crash between the two renames leaves it
   * absent, with the old directory under the hidden name. If the second rename fails the old
   * directory is put back.
   */
  public static void replaceDirectory(Path target, Path staging) throws IOException {
    Files.createDirectories(target.toAbsolutePath().getParent());
    Path old = null;
    if (Files.isDirectory(target)) {
      boolean empty;
      try (var entries = Files.list(target)) {
        empty = entries.findAny().isEmpty();
      }
      if (empty) {
        Files.delete(target);
      } else {
        old = temporarySibling(target, "old");
        move(target, old);
      }
    }
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (old != null) {
        move(old, target);
      }
      throw e;
    }
    fsyncDirectory(target.toAbsolutePath().getParent());
    if (old != null) {
      deleteTree(old);
    }
  }

  /** Deletes a file tree, quietly skipping what is already gone. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        Files.deleteIfExists(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
