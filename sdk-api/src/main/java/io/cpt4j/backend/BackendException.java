package io.cpt4j.backend;

import io.cpt4j.Cpt4jException;

/** A backend is unavailable or failed on its device; the message says what is missing. */
public class BackendException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public BackendException(String message) {
    super(message);
  }

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
