package io.cpt4j.checkpoint;

import java.nio.file.Path;

/**
 * A model configuration is invalid or unsupported: a {@code config.json} field is missing or out of
 * range, the architecture is not one cpt4j runs, or the tensors on disk do not match what the
 * configuration implies (missing, unexpected or mis-shaped tensors). The message names the field or
 * tensors.
 */
public class ConfigException extends CheckpointException {
  private static final long serialVersionUID = 1L;

  public ConfigException(Path path, String message) {
    super(path, message);
  }

  public ConfigException(String message) {
    super(null, message);
  }
}
