package io.cpt4j.grow;

import io.cpt4j.Cpt4jException;

/** A growth that cannot be done as asked: a layer count the interval does not divide, an unknown block layout. */
public class GrowthException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public GrowthException(String message) {
    super(message);
  }
}
