package io.cpt4j;

/**
 * Base type of every error cpt4j reports on purpose. Unchecked: callers catch it where they can act
 * on it (a CLI prints {@link #getMessage()} as one line). Messages state the broken fact, the place
 * (file, field, tensor) and, where there is one, the fix.
 */
public class Cpt4jException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public Cpt4jException(String message) {
    super(message);
  }

  public Cpt4jException(String message, Throwable cause) {
    super(message, cause);
  }
}
