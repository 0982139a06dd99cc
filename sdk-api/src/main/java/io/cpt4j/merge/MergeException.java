package io.cpt4j.merge;

import io.cpt4j.Cpt4jException;

/**
 * A merge cannot be done as configured: the input checkpoints disagree (architecture, tensor names
 * or shapes; the message lists the first mismatches), a parameter is out of range, or writing the
 * output failed. Thrown before anything is written whenever the fault is detectable up front.
 */
public class MergeException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public MergeException(String message) {
    super(message);
  }

  public MergeException(String message, Throwable cause) {
    super(message, cause);
  }
}
