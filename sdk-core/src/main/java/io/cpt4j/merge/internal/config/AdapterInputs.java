package io.cpt4j.merge.internal.config;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.lora.LoraApplication;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * mergekit's {@code model: MODEL+ADAPTER} inputs: a checkpoint with a PEFT LoRA adapter merged into
 * it ({@link LoraApplication}), written to a temporary directory that is deleted when the merge
 * config closes its checkpoints. A {@code model} value names an adapter input when it is not itself a
 * directory and splits at a {@code +} into a directory and a directory holding {@code
 * adapter_config.json}. Stateless.
 */
final class AdapterInputs {
  private static final String SEPARATOR = "+";
  private static final String KEY = "|+cpt4j-adapter+|"; // joins the two absolute paths in a map key

  private AdapterInputs() {}

  /**
   * The path the merge config keys this input by: {@code dir/text}, or for {@code MODEL+ADAPTER} both
   * paths resolved and joined (never a real path; {@link #open} recognises it).
   */
  static Path key(Path dir, String text) {
    Path plain = MergeConfigCodec.path(dir, text);
    int plus = text.lastIndexOf(SEPARATOR);
    if (Files.isDirectory(plain) || plus <= 0 || plus == text.length() - 1) {
      return plain;
    }
    Path model = MergeConfigCodec.path(dir, text.substring(0, plus));
    Path adapter = MergeConfigCodec.path(dir, text.substring(plus + 1));
    if (!Files.isRegularFile(adapter.resolve("adapter_config.json"))) {
      return plain;
    }
    return Path.of(model + KEY + adapter);
  }

  /** Whether {@code key} names a model with an adapter. */
  static boolean isAdapterInput(Path key) {
    return key.toString().contains(KEY);
  }

  /** For display: {@code MODEL+ADAPTER}. */
  static String describe(Path key) {
    return key.toString().replace(KEY, SEPARATOR);
  }

  /** Merges the adapter into its model in a temporary directory and opens it; closing deletes it. */
  static Checkpoint open(Path key) {
    String[] parts = key.toString().split(java.util.regex.Pattern.quote(KEY), 2);
    Path merged = LoraApplication.of(Path.of(parts[0]), Path.of(parts[1])).writeToTemporaryDirectory();
    try {
      return new Temporary(Checkpoint.open(merged));
    } catch (RuntimeException e) {
      delete(merged);
      throw e;
    }
  }

  private static void delete(Path dir) {
    try {
      AtomicFiles.deleteTree(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the temporary merged adapter " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A checkpoint in a temporary directory, deleted on close. */
  private record Temporary(Checkpoint inner) implements Checkpoint {
    @Override public Path directory() { return inner.directory(); }
    @Override public ModelConfig config() { return inner.config(); }
    @Override public Optional<Tokenizer> tokenizer() { return inner.tokenizer(); }
    @Override public List<TensorInfo> tensors() { return inner.tensors(); }
    @Override public Tensor tensor(String name) { return inner.tensor(name); }
    @Override public boolean contains(String name) { return inner.contains(name); }
    @Override public Map<String, String> metadata() { return inner.metadata(); }
    @Override public List<Path> files() { return inner.files(); }

    @Override
    public void close() {
      try {
        inner.close();
      } finally {
        delete(inner.directory());
      }
    }
  }
}
