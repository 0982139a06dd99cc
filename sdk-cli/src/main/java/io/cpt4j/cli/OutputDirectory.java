package io.cpt4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What the writing commands check of their output directory, and the size of what they wrote. Stateless. */
final class OutputDirectory {
  private OutputDirectory() {}

  /** The hint for an output directory that is not empty when --overwrite was not given. */
  static final String NOT_EMPTY = "directory exists and is not empty (pass --overwrite to replace it)";

  /** Whether {@code dir} is an existing directory with at least one entry. */
  static boolean isNonEmpty(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isPresent();
    }
  }

  /** The total size of {@code files}, in bytes. */
  static long totalBytes(List<Path> files) throws IOException {
    long bytes = 0;
    for (Path p : files) {
      bytes += Files.size(p);
    }
    return bytes;
  }
}
