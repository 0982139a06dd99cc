package io.cpt4j.lora;

import io.cpt4j.Cpt4jException;

/**
 * A LoRA extraction or application that cannot be done as asked: checkpoints whose tensors do not
 * match, an adapter directory without its files or with a configuration cpt4j does not apply
 * (DoRA, embedding adapters), an adapter module the base lacks. Thrown before anything is written.
 */
public class LoraException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public LoraException(String message) {
    super(message);
  }
}
