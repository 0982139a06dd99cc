package io.cpt4j.train;

import io.cpt4j.Cpt4jException;

/**
 * A run that cannot start (an invalid configuration, named by its field) or had to stop (too many
 * consecutive non-finite steps, a run directory that cannot be resumed). When a run stops, its last
 * checkpoint is intact.
 */
public class TrainingException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public TrainingException(String message) {
    super(message);
  }

  public TrainingException(String message, Throwable cause) {
    super(message, cause);
  }
}
