package io.cpt4j.checkpoint;

import io.cpt4j.Cpt4jException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A checkpoint (directory, safetensors file, index or config) could not be read or written. The
 * message names the file and what is wrong with it; {@link #path()} gives the file when known.
 */
public class CheckpointException extends Cpt4jException {
  private static final long serialVersionUID = 1L;
  private final transient Path path;

  public CheckpointException(Path path, String message) {
    super(path == null ? message : path + ": " + message);
    this.path = path;
  }

  public CheckpointException(Path path, String message, Throwable cause) {
    super(path == null ? message : path + ": " + message, cause);
    this.path = path;
  }

  /** The file or directory at fault, if known. */
  public Optional<Path> path() {
    return Optional.ofNullable(path);
  }
}
