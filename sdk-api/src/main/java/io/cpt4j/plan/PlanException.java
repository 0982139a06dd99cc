package io.cpt4j.plan;

import io.cpt4j.Cpt4jException;

/**
 * A planning input or question that cannot be answered: an observation file with a bad line (the
 * message names the file and line), too few observations for a fit, an unknown validation set, a
 * target loss the law never reaches.
 */
public class PlanException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public PlanException(String message) {
    super(message);
  }

  public PlanException(String message, Throwable cause) {
    super(message, cause);
  }
}
