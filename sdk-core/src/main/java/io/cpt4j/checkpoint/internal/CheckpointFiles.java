package io.cpt4j.checkpoint.internal;

import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.UnsafeFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** File names of the Hugging Face layout, and the refusal of pickle files. */
public final class CheckpointFiles {
  private CheckpointFiles() {}

  public static final String CONFIG = "config.json";
  public static final String SINGLE = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";
  public static final String TOKENIZER = "tokenizer.json";

  /** Files copied beside the weights when a checkpoint is rewritten. */
  public static final List<String> AUXILIARY = List.of(
      "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
      "added_tokens.json", "vocab.json", "merges.txt", "tokenizer.model", "chat_template.jinja");

  /** Shard name as transformers writes it: {@code model-00001-of-00003.safetensors}. */
  public static String shardName(int index, int count) {
    return String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", index + 1, count);
  }

  /** Whether a file name is a PyTorch pickle checkpoint. */
  public static boolean isPickle(String fileName) {
    String n = fileName.toLowerCase(Locale.ROOT);
    return n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".ckpt")
        || n.endsWith(".pkl") || n.endsWith(".pickle") || n.equals("pytorch_model.bin.index.json");
  }

  /** Refuses a pickle file without opening it. */
  public static UnsafeFormatException refusePickle(Path file) {
    return new UnsafeFormatException(file,
        "refusing to open a PyTorch pickle checkpoint: unpickling runs arbitrary code from the file. "
            + "Convert it to safetensors where you trust it, e.g. in Python: "
            + "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)");
  }

  /** The first pickle checkpoint file in {@code dir}, or null. */
  static Path findPickle(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> isPickle(p.getFileName().toString())).sorted().findFirst().orElse(null);
    } catch (IOException e) {
      throw new CheckpointException(dir, "cannot list directory: " + e.getMessage(), e);
    }
  }
}
