package io.cpt4j.merge.internal.tokens;

import java.util.regex.Pattern;

/** Which tensors have the vocabulary as dimension 0: embeddings and LM heads, by name. Stateless. */
public final class VocabularyTensors {
  private VocabularyTensors() {}

  private static final Pattern VOCABULARY = Pattern.compile("(^|.*\\.)(embed_tokens|embed_in|embed_out|lm_head|wte)\\..*");

  /** Whether dimension 0 of tensor {@code name} is the vocabulary. */
  public static boolean is(String name) {
    return VOCABULARY.matcher(name).matches();
  }
}
