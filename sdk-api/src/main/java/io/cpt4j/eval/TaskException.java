package io.cpt4j.eval;

import io.cpt4j.Cpt4jException;

/**
 * A task file or its data cannot be evaluated as written. The message names the file, the line
 * (of the task YAML, or of the JSONL data for a document) or the key, the field and the broken
 * fact, e.g. {@code data/test.jsonl:7: doc_to_target (arc.yaml): gold 4 is out of range for 4
 * choices}. Thrown by {@link Task#read} for what can be checked up front (keys, templates, every
 * evaluated document) and by {@link Task#evaluate} for few-shot documents and tokenization.
 */
public class TaskException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public TaskException(String message) {
    super(message);
  }

  public TaskException(String message, Throwable cause) {
    super(message, cause);
  }
}
