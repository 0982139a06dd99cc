package io.cpt4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A small but real {@code tokenizer.json} (as sdk-core's TestTokenizers): GPT-2 byte-level BPE whose
 * byte {@code b} has id {@code b}, merges spelling "hello" and " world", then {@code <|endoftext|>}.
 */
final class TestTokenizer {
  private TestTokenizer() {}

  /** Merges in priority order ("Ġ" is the space byte); merge {@code i} has id {@code 256 + i}. */
  static final List<String> MERGES = List.of("h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld");

  static final int HELLO = 256 + MERGES.indexOf("hell o");
  static final int SPACE_WORLD = 256 + MERGES.indexOf("Ġwor ld");
  static final int END_OF_TEXT = 256 + MERGES.size();
  static final int VOCAB_SIZE = END_OF_TEXT + 1;

  /** Writes {@code dir/tokenizer.json}. */
  static void write(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0").putNull("truncation");
    root.putNull("padding");
    root.putArray("added_tokens").addObject().put("id", END_OF_TEXT).put("content", "<|endoftext|>")
        .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
        .put("special", true);
    root.putNull("normalizer");
    root.set("pre_tokenizer", byteLevel(json, false));
    root.putNull("post_processor");
    root.set("decoder", byteLevel(json, true));
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout");
    model.putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
    model.put("fuse_unk", false).put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    char[] symbols = bytesToUnicode();
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf(symbols[b]), b);
    }
    for (int i = 0; i < MERGES.size(); i++) {
      vocab.put(MERGES.get(i).replace(" ", ""), 256 + i);
    }
    MERGES.forEach(model.putArray("merges")::add);
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);
  }

  /**
   * Rewrites {@code dir/tokenizer.json}'s post-processor to put {@code token} (id {@code id}) before
   * every text, as Llama's and Mistral's TemplateProcessing puts their BOS.
   */
  static void addBosPostProcessor(Path dir, String token, int id) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(dir.resolve("tokenizer.json").toFile());
    ObjectNode pp = root.putObject("post_processor").put("type", "TemplateProcessing");
    var single = pp.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", token).put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    var pair = pp.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", token).put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode special = pp.putObject("special_tokens").putObject(token).put("id", token);
    special.putArray("ids").add(id);
    special.putArray("tokens").add(token);
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);
  }

  /** GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes map to themselves, others to 256+n. */
  private static char[] bytesToUnicode() {
    char[] map = new char[256];
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      map[b] = printable ? (char) b : (char) (256 + n++);
    }
    return map;
  }

  private static ObjectNode byteLevel(ObjectMapper json, boolean addPrefixSpace) {
    return json.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", addPrefixSpace)
        .put("trim_offsets", true).put("use_regex", true);
  }
}
