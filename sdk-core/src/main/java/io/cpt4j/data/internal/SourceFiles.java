package io.cpt4j.data.internal;

import io.cpt4j.data.DataException;
import io.cpt4j.data.Source;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Resolves a {@link Source}'s location to the files it reads, in their stable order.
 *
 * <ul>
 *   <li>A file: that file; its relative path is its file name.
 *   <li>A directory: every regular file below it, recursively, skipping hidden files and hidden
 *       directories (and, for JSONL, files not named {@code *.jsonl} or {@code *.jsonl.gz}).
 *   <li>A glob (any of <code>* ? [ &#123;</code> in the location): the root is the directory part before the
 *       first wildcard character; the rest is a {@code glob:} pattern of {@link
 *       java.nio.file.FileSystem#getPathMatcher} matched against paths relative to that root.
 *       Hidden files and directories below the root are skipped here too.
 * </ul>
 *
 * <p>Relative paths use {@code '/'} as separator on every OS; files are sorted by them.
 */
final class SourceFiles {
  private static final String WILDCARDS = "*?[{";

  private SourceFiles() {}

  /** One matched file: where it is and its path relative to the source's root. */
  record SourceFile(Path path, String relative) {}

  /**
   * The files of {@code source}, sorted by relative path.
   *
   * @throws DataException if the location does not exist, cannot be listed or matches no file
   */
  static List<SourceFile> resolve(Source source) {
    String location = source.location();
    int wildcard = firstWildcard(location);
    List<SourceFile> files;
    try {
      if (wildcard >= 0) {
        files = glob(location, wildcard);
      } else {
        Path path = Path.of(location);
        if (Files.isRegularFile(path)) {
          return List.of(new SourceFile(path, path.getFileName().toString()));
        }
        if (!Files.isDirectory(path)) {
          throw new DataException(location + ": no such file or directory");
        }
        Predicate<String> accept = source.kind() == Source.Kind.JSONL
            ? rel -> rel.endsWith(".jsonl") || rel.endsWith(".jsonl.gz")
            : rel -> true;
        files = walk(path, accept);
      }
    } catch (InvalidPathException e) {
      throw new DataException(location + ": not a valid path or glob: " + e.getMessage(), e);
    } catch (IOException | UncheckedIOException e) {
      throw new DataException(location + ": cannot list files: " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw new DataException(location + ": matches no " + (source.kind() == Source.Kind.JSONL
          ? "JSONL file (*.jsonl or *.jsonl.gz in a directory)" : "file"));
    }
    return files;
  }

  private static int firstWildcard(String location) {
    for (int i = 0; i < location.length(); i++) {
      if (WILDCARDS.indexOf(location.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static List<SourceFile> glob(String location, int wildcard) throws IOException {
    // The root ends at the last separator before the first wildcard ("data/fin*/x" → root "data").
    int cut = Math.max(location.lastIndexOf('/', wildcard), location.lastIndexOf('\\', wildcard));
    String rootPart = cut < 0 ? "" : location.substring(0, cut + 1);
    String pattern = location.substring(cut + 1);
    Path root = rootPart.isEmpty() ? Path.of("") : Path.of(rootPart);
    PathMatcher matcher;
    try {
      matcher = root.getFileSystem().getPathMatcher("glob:" + pattern);
    } catch (IllegalArgumentException e) { // PatternSyntaxException among them
      throw new DataException(location + ": not a valid glob: " + e.getMessage(), e);
    }
    if (!Files.isDirectory(root)) {
      throw new DataException(location + ": the glob's root directory '" + root + "' does not exist");
    }
    Path base = root;
    return walk(root, rel -> matcher.matches(base.getFileSystem().getPath(rel)));
  }

  /** Regular, non-hidden files below {@code root} whose '/'-separated relative path passes. */
  private static List<SourceFile> walk(Path root, Predicate<String> accept) throws IOException {
    List<SourceFile> files = new ArrayList<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        return !dir.equals(root) && hidden(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if ((attrs.isRegularFile() || (attrs.isSymbolicLink() && Files.isRegularFile(file))) && !hidden(file)) {
          String rel = relative(root, file);
          if (accept.test(rel)) {
            files.add(new SourceFile(file, rel));
          }
        }
        return FileVisitResult.CONTINUE;
      }
    });
    files.sort(Comparator.comparing(SourceFile::relative));
    return files;
  }

  private static boolean hidden(Path path) throws IOException {
    Path name = path.getFileName();
    return (name != null && name.toString().startsWith(".")) || Files.isHidden(path);
  }

  private static String relative(Path root, Path file) {
    StringBuilder rel = new StringBuilder();
    for (Path part : root.relativize(file)) {
      if (!rel.isEmpty()) {
        rel.append('/');
      }
      rel.append(part);
    }
    return rel.toString();
  }
}
