package io.cpt4j.tokenize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small but real Hugging Face {@code tokenizer.json}: GPT-2 style byte-level BPE whose base
 * vocabulary is the 256 byte symbols of GPT-2's {@code bytes_to_unicode} (byte {@code b} has id
 * {@code b}), a few merges spelling "hello" and " world", and the special token {@code
 * <|endoftext|>}.
 */
public final class TestTokenizers {
  private TestTokenizers() {}

  /** Merges in priority order, as pairs of byte-level symbols ("Ġ" is the space byte). */
  public static final List<String> MERGES = List.of(
      "h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld");

  /** Id of {@code <|endoftext|>}: after the 256 bytes and one token per merge. */
  public static final int END_OF_TEXT_ID = 256 + MERGES.size();

  /** Tokens in the vocabulary, added token included. */
  public static final int VOCAB_SIZE = END_OF_TEXT_ID + 1;

  public static final String END_OF_TEXT = "<|endoftext|>";

  /** GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes map to themselves, others to 256+n. */
  public static char[] bytesToUnicode() {
    char[] map = new char[256];
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      map[b] = printable ? (char) b : (char) (256 + n++);
    }
    return map;
  }

  /** The vocabulary, token string to id, in id order. */
  public static Map<String, Integer> vocabulary() {
    char[] symbols = bytesToUnicode();
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf(symbols[b]), b);
    }
    for (String merge : MERGES) {
      vocab.put(merge.replace(" ", ""), vocab.size());
    }
    return vocab;
  }

  /** Id of a merged token written as plain text, e.g. {@code id(" world")}. */
  public static int id(String text) {
    String symbol = text.replace(' ', bytesToUnicode()[' ']);
    Integer id = vocabulary().get(symbol);
    if (id == null) {
      throw new IllegalArgumentException("no token for '" + text + "'");
    }
    return id;
  }

  /** Writes the tokenizer to {@code file} and returns it. */
  public static Path writeByteLevelBpe(Path file) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ObjectNode eot = root.putArray("added_tokens").addObject();
    eot.put("id", END_OF_TEXT_ID).put("content", END_OF_TEXT).put("single_word", false).put("lstrip", false)
        .put("rstrip", false).put("normalized", false).put("special", true);
    root.putNull("normalizer");
    root.set("pre_tokenizer", byteLevel(json, false));
    root.putNull("post_processor");
    root.set("decoder", byteLevel(json, true));
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    vocabulary().forEach(vocab::put);
    ArrayNode merges = model.putArray("merges");
    MERGES.forEach(merges::add);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
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
