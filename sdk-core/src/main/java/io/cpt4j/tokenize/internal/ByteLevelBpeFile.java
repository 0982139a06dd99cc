package io.cpt4j.tokenize.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.TrainedTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one writer of byte-level BPE {@code tokenizer.json} files (GPT-2 style, as HF tokenizers
 * saves them): the BPE model with its vocabulary and merges, ByteLevel pre-tokenizer and decoder,
 * no normalizer or post-processor, the special tokens added after the vocabulary. Used by training
 * ({@link ByteLevelBpeTrainer}) and by {@link BpeTrainer#fromMerges}. Stateless.
 */
final class ByteLevelBpeFile {
  private ByteLevelBpeFile() {}

  /**
   * The tokenizer that {@code merges} define over GPT-2's byte alphabet, written to {@code file}:
   * tokens are the 256 bytes, then each merge's result in order (a result already in the
   * vocabulary gets no second id), then the options' special tokens.
   *
   * @throws IllegalArgumentException if a merge names a token not yet in the vocabulary, or the
   *     result's size differs from {@code options.vocabSize()}
   */
  static TrainedTokenizer fromMerges(BpeTrainer options, List<List<String>> merges, Path file) {
    List<String> tokens = new ArrayList<>();
    Set<String> known = new HashSet<>();
    for (char c : ByteLevelBpeTrainer.BYTE_SYMBOLS) {
      tokens.add(String.valueOf(c));
      known.add(String.valueOf(c));
    }
    List<String[]> pairs = new ArrayList<>();
    for (int i = 0; i < merges.size(); i++) {
      List<String> m = merges.get(i);
      if (m.size() != 2) {
        throw new IllegalArgumentException("merge " + i + " must be two tokens, got " + m);
      }
      for (String part : m) {
        if (!known.contains(part)) {
          throw new IllegalArgumentException("merge " + i + " " + m + ": '" + part
              + "' is not in the vocabulary before it (write merges in order, with GPT-2's byte symbols, e.g. 'Ġ' for a space)");
        }
      }
      pairs.add(new String[] {m.get(0), m.get(1)});
      if (known.add(m.get(0) + m.get(1))) {
        tokens.add(m.get(0) + m.get(1));
      }
    }
    int size = tokens.size() + options.specialTokens().size();
    if (size != options.vocabSize()) {
      throw new IllegalArgumentException("the merges define " + size + " tokens (256 bytes, " + (tokens.size() - 256)
          + " merged, " + options.specialTokens().size() + " special), but vocabSize is " + options.vocabSize());
    }
    write(file, tokens, pairs, options.specialTokens());
    return new TrainedTokenizer(file, size, pairs.size(), 0, 0);
  }

  /** Writes {@code file} atomically: {@code tokens} get ids in order, the special tokens after them. */
  static void write(Path file, List<String> tokens, List<String[]> merges, List<String> specialTokens) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < specialTokens.size(); i++) {
      added.addObject().put("id", tokens.size() + i).put("content", specialTokens.get(i))
          .put("single_word", false).put("lstrip", false).put("rstrip", false)
          .put("normalized", false).put("special", true);
    }
    root.putNull("normalizer");
    root.set("pre_tokenizer", byteLevel(json, false));
    root.putNull("post_processor");
    root.set("decoder", byteLevel(json, true));
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout");
    model.putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
    model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < tokens.size(); i++) {
      vocab.put(tokens.get(i), i);
    }
    ArrayNode ms = model.putArray("merges");
    for (String[] m : merges) {
      ms.addArray().add(m[0]).add(m[1]);
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      AtomicFiles.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    } catch (IOException e) {
      throw new CheckpointException(file, "writing the tokenizer failed, nothing was changed: " + e.getMessage(), e);
    }
  }

  private static ObjectNode byteLevel(ObjectMapper json, boolean addPrefixSpace) {
    ObjectNode n = json.createObjectNode();
    n.put("type", "ByteLevel");
    n.put("add_prefix_space", addPrefixSpace);
    n.put("trim_offsets", true);
    n.put("use_regex", true);
    return n;
  }
}
