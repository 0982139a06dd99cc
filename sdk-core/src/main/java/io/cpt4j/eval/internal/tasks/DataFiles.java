package io.cpt4j.eval.internal.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Where a task's splits are, from {@code dataset_path}, {@code dataset_name} and {@code
 * dataset_kwargs} ({@code data_files}, {@code data_dir}), read as Hugging Face's {@code
 * load_dataset} reads local data:
 *
 * <ul>
 *   <li>{@code dataset_path: json} with {@code data_files}: the files;
 *   <li>{@code dataset_path} a directory: {@code data_files} relative to it (after {@code
 *       data_dir}), else each split's files found by name in it, in {@code <dataset_name>/} or
 *       {@code data/} below it ({@code test.jsonl}, {@code test-00000-of-00001.jsonl}; {@code dev}
 *       and {@code val} count as validation, as in Hugging Face's split patterns);
 *   <li>{@code dataset_path} a file: the split {@code train}.
 * </ul>
 *
 * {@code data_files} is a file, a list (both the split {@code train}) or a map of split to file or
 * files; a file name may hold {@code *} and {@code ?} wildcards. A relative {@code dataset_path}
 * (and, with {@code json}, a relative data file) is resolved against the directory of the task
 * file that wrote it (an included file's own directory). Hub datasets are refused (nothing is downloaded).
 * Stateless.
 */
final class DataFiles {
  private DataFiles() {}

  private static final Map<String, List<String>> SYNONYMS = Map.of(
      "train", List.of("train", "training"),
      "validation", List.of("validation", "valid", "val", "dev"),
      "test", List.of("test", "testing", "eval", "evaluation"));

  /** The split's files by split name, and a one-line account of where they are. */
  record Resolved(Map<String, List<Path>> splits, String source) {}

  /**
   * Resolves the {@code wanted} splits; {@code baseDir} and {@code kwargsDir} are the directories of
   * the files that wrote {@code dataset_path} and {@code dataset_kwargs}.
   *
   * @throws BadKey naming the key at fault
   */
  static Resolved resolve(Path baseDir, Path kwargsDir, String datasetPath, String datasetName, JsonNode kwargs,
      Set<String> wanted) {
    JsonNode dataFiles = kwargs == null ? null : kwargs.get("data_files");
    if (dataFiles != null && dataFiles.isNull()) {
      dataFiles = null;
    }
    String lower = datasetPath.toLowerCase(Locale.ROOT);
    if (Set.of("parquet", "csv", "arrow", "text", "pandas", "webdataset", "imagefolder").contains(lower)) {
      throw new BadKey("dataset_path", "the '" + datasetPath + "' builder is not supported: cpt4j reads JSON Lines "
          + "(dataset_path: json with dataset_kwargs.data_files); convert the data to .jsonl");
    }
    if (lower.equals("json")) {
      if (dataFiles == null) {
        throw new BadKey("dataset_path", "dataset_path: json needs dataset_kwargs.data_files (a file per split)");
      }
      return new Resolved(files(kwargsDir, dataFiles, wanted), "data_files under " + kwargsDir);
    }
    Path root = baseDir.resolve(datasetPath).normalize();
    if (Files.isRegularFile(root)) {
      if (dataFiles != null) {
        throw new BadKey("dataset_kwargs.data_files", "dataset_path " + root + " is a file: give data_files "
            + "or a file, not both");
      }
      return new Resolved(Map.of("train", List.of(root)), root.toString());
    }
    if (!Files.isDirectory(root)) {
      throw new BadKey("dataset_path", "'" + datasetPath + "' is not a local directory or file (resolved to " + root
          + "): cpt4j reads local data only and downloads nothing; save the splits as JSON Lines and point "
          + "dataset_path at them (or use dataset_path: json with dataset_kwargs.data_files)");
    }
    JsonNode dataDir = kwargs == null ? null : kwargs.get("data_dir");
    if (dataDir != null && !dataDir.isNull()) {
      root = root.resolve(dataDir.asText()).normalize();
      if (!Files.isDirectory(root)) {
        throw new BadKey("dataset_kwargs.data_dir", "no directory " + root);
      }
    }
    if (dataFiles != null) {
      return new Resolved(files(root, dataFiles, wanted), "data_files under " + root);
    }
    if (datasetName != null && Files.isDirectory(root.resolve(datasetName))) {
      root = root.resolve(datasetName);
    } else if (Files.isDirectory(root.resolve("data"))) {
      root = root.resolve("data");
    }
    Map<String, List<Path>> out = new LinkedHashMap<>();
    for (String split : wanted) {
      out.put(split, infer(root, split));
    }
    return new Resolved(out, root.toString());
  }

  private static Map<String, List<Path>> files(Path dir, JsonNode dataFiles, Set<String> wanted) {
    Map<String, List<Path>> out = new LinkedHashMap<>();
    if (dataFiles.isTextual() || dataFiles.isArray()) {
      out.put("train", paths(dir, dataFiles, "dataset_kwargs.data_files"));
    } else if (dataFiles.isObject()) {
      dataFiles.properties().forEach(e ->
          out.put(e.getKey(), paths(dir, e.getValue(), "dataset_kwargs.data_files." + e.getKey())));
    } else {
      throw new BadKey("dataset_kwargs.data_files", "must be a file, a list of files or a map of split to files");
    }
    for (String split : wanted) {
      if (!out.containsKey(split)) {
        throw new BadKey("dataset_kwargs.data_files", "has no files for split '" + split + "' (it has "
            + String.join(", ", out.keySet()) + ")");
      }
    }
    return out;
  }

  private static List<Path> paths(Path dir, JsonNode node, String key) {
    List<String> names = new ArrayList<>();
    if (node.isTextual()) {
      names.add(node.asText());
    } else if (node.isArray() && !node.isEmpty()) {
      for (JsonNode n : node) {
        if (!n.isTextual()) {
          throw new BadKey(key, "must list file names, got " + n);
        }
        names.add(n.asText());
      }
    } else {
      throw new BadKey(key, "must be a file or a non-empty list of files");
    }
    List<Path> out = new ArrayList<>();
    for (String name : names) {
      Path p = dir.resolve(name).normalize();
      String file = p.getFileName().toString();
      if (file.contains("*") || file.contains("?")) {
        List<Path> matched = glob(p.getParent(), file);
        if (matched.isEmpty()) {
          throw new BadKey(key, "no file matches " + p);
        }
        out.addAll(matched);
      } else if (!Files.isRegularFile(p)) {
        throw new BadKey(key, "no such data file " + p);
      } else {
        out.add(p);
      }
    }
    return out;
  }

  private static List<Path> glob(Path dir, String pattern) {
    List<Path> out = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, pattern)) {
      s.forEach(out::add);
    } catch (IOException e) {
      throw new BadKey("dataset_kwargs.data_files", "cannot list " + dir + ": " + e.getMessage());
    }
    out.sort(null);
    return out;
  }

  /** The files of {@code split} in {@code dir}: its name (or a synonym), then '.', '-' or '_'. */
  private static List<Path> infer(Path dir, String split) {
    List<String> names = SYNONYMS.getOrDefault(split, List.of(split));
    List<Path> found = new ArrayList<>();
    TreeSet<String> all = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(Files::isRegularFile).sorted().forEach(f -> {
        String n = f.getFileName().toString();
        all.add(n);
        String lower = n.toLowerCase(Locale.ROOT);
        for (String s : names) {
          if (lower.startsWith(s) && lower.length() > s.length() && ".-_".indexOf(lower.charAt(s.length())) >= 0) {
            found.add(f);
            break;
          }
        }
      });
    } catch (IOException e) {
      throw new BadKey("dataset_path", "cannot list " + dir + ": " + e.getMessage());
    }
    if (found.isEmpty()) {
      throw new BadKey("dataset_path", "no files for split '" + split + "' in " + dir + " (expected " + split
          + ".jsonl or " + split + "-*.jsonl; it holds " + (all.isEmpty() ? "nothing" : String.join(", ", all)) + ")");
    }
    return found;
  }
}
