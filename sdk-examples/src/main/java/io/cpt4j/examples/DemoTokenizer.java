package io.cpt4j.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a small but complete byte-level BPE {@code tokenizer.json} (GPT-2's byte alphabet, a few
 * English merges, {@code <|endoftext|>}) for the demo checkpoints. Any UTF-8 text round-trips.
 */
public final class DemoTokenizer {
  private DemoTokenizer() {}

  /** Merges applied in this order; each result is a vocabulary entry after the 256 bytes. */
  private static final String[][] MERGES = {
    {"Ġ", "t"}, {"h", "e"}, {"i", "n"}, {"e", "r"}, {"a", "n"}, {"Ġt", "he"}
  };

  public static final String EOS = "<|endoftext|>";

  /** Token count: 256 bytes, the merges and the end-of-text token. */
  public static int vocabSize() {
    return 256 + MERGES.length + 1;
  }

  /** GPT-2's reversible mapping of bytes to printable code points. */
  static char[] byteAlphabet() {
    List<Integer> bs = new ArrayList<>();
    for (int b = '!'; b <= '~'; b++) bs.add(b);
    for (int b = 0xA1; b <= 0xAC; b++) bs.add(b);
    for (int b = 0xAE; b <= 0xFF; b++) bs.add(b);
    char[] map = new char[256];
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      map[b] = bs.contains(b) ? (char) b : (char) (256 + extra++);
    }
    return map;
  }

  public static void write(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ObjectNode eos = root.putArray("added_tokens").addObject();
    eos.put("id", 256 + MERGES.length).put("content", EOS).put("single_word", false).put("lstrip", false)
        .put("rstrip", false).put("normalized", false).put("special", true);
    root.putNull("normalizer");
    root.set("pre_tokenizer", byteLevel(json, false));
    root.putNull("post_processor");
    root.set("decoder", byteLevel(json, true));
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout");
    model.putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
    model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    char[] alphabet = byteAlphabet();
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf(alphabet[b]), b);
    }
    ArrayNode merges = model.putArray("merges");
    for (int i = 0; i < MERGES.length; i++) {
      merges.addArray().add(MERGES[i][0]).add(MERGES[i][1]);
      vocab.put(MERGES[i][0] + MERGES[i][1], 256 + i);
    }
    json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
  }

  private static ObjectNode byteLevel(ObjectMapper json, boolean prefixSpace) {
    ObjectNode n = json.createObjectNode();
    n.put("type", "ByteLevel").put("add_prefix_space", prefixSpace).put("trim_offsets", true).put("use_regex", true);
    return n;
  }
}
