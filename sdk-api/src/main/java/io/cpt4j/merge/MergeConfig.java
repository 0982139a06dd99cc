package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A merge read from a mergekit-style YAML file, together with the checkpoints the file opened. The
 * config owns those checkpoints: close it (try-with-resources) once the merge is written.
 *
 * <pre>{@code
 * try (MergeConfig config = MergeConfig.load(Path.of("ties.yaml"))) {
 *   MergeReport report = config.writeTo(Path.of("merged"), false);
 * }
 * }</pre>
 *
 * <p>The format is mergekit's ({@code merge_method}, {@code base_model}, {@code models: [{model,
 * parameters: {weight, density}}]} or {@code slices}, {@code parameters}, {@code dtype}, {@code out_dtype}, {@code
 * tokenizer_source}) plus cpt4j's keys {@code onto}, {@code include}, {@code exclude} and {@code
 * max_shard_size}; docs/merging.md lists every key. Paths are relative to the file's directory.
 * Unknown top-level keys, wrong types, missing required parameters and a method's parameters given
 * where it does not take them are {@link MergeException}s naming the key and its line. Parameters the
 * method does not declare at all (a {@code density} left in a {@code linear} config) are ignored, as
 * mergekit ignores them, with one warning naming them ({@link #warnings}, also logged).
 *
 * <p>Immutable apart from {@link #close}; the merge may be written from any thread, but not after
 * the config is closed.
 *
 * @param file the YAML file it was read from
 * @param merge the configured merge (with {@code overwrite} false)
 * @param checkpoints the distinct checkpoints opened for it (closed by {@link #close})
 * @param warnings what was read but ignored, one line each (at most one today: the parameters the
 *     method does not take, with where they are); empty when nothing was ignored
 */
public record MergeConfig(Path file, Merge merge, List<Checkpoint> checkpoints, List<String> warnings)
    implements AutoCloseable {

  public MergeConfig {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(merge, "merge");
    checkpoints = List.copyOf(checkpoints);
    warnings = List.copyOf(warnings);
  }

  /** A config without warnings. */
  public MergeConfig(Path file, Merge merge, List<Checkpoint> checkpoints) {
    this(file, merge, checkpoints, List.of());
  }

  /**
   * Reads {@code yaml} and opens the checkpoints it names.
   *
   * @throws MergeException if the file is not a valid merge configuration (the message names the key
   *     and line) or a checkpoint cannot be opened; nothing stays open then
   */
  public static MergeConfig load(Path yaml) {
    return Providers.merge().loadConfig(yaml);
  }

  /**
   * Runs the merge into {@code output} (atomically; see {@link Merge#writeTo}).
   *
   * @param overwrite replace an existing non-empty output directory
   */
  public MergeReport writeTo(Path output, boolean overwrite) {
    Merge m = overwrite == merge.overwrite() ? merge : merge.newBuilder().overwrite(overwrite).build();
    return m.writeTo(output);
  }

  /** Closes every checkpoint the file opened (all of them, even if one fails). */
  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (Checkpoint c : checkpoints) {
      try {
        c.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.getFirst();
      failures.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }
}
