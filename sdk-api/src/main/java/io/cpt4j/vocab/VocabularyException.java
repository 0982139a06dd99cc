package io.cpt4j.vocab;

import io.cpt4j.Cpt4jException;

/**
 * A vocabulary extension that cannot be done as asked: a tokenizer that is not byte-level or
 * SentencePiece-style BPE, a vocabulary that would outgrow its token-id type, a corpus with nothing
 * to learn. Thrown before anything is written.
 */
public class VocabularyException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public VocabularyException(String message) {
    super(message);
  }
}
