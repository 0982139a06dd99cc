package io.cpt4j.tokenize;

import io.cpt4j.Cpt4jException;

/**
 * A chat template could not render a conversation: the template has a syntax error, calls a
 * function or filter that does not exist, or rejected the conversation itself through
 * {@code raise_exception(...)} (for example when roles do not alternate). The message names the
 * template's source (file and key), the line when known, and the template's own words.
 *
 * <p>Unchecked, like every cpt4j error; immutable.
 */
public class ChatTemplateException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public ChatTemplateException(String message) {
    super(message);
  }

  public ChatTemplateException(String message, Throwable cause) {
    super(message, cause);
  }
}
