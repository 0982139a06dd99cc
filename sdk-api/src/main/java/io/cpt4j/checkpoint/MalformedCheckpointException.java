package io.cpt4j.checkpoint;

import java.nio.file.Path;

/**
 * A file is not a valid safetensors file or index: bad header length, non-JSON header, offsets
 * outside the data or overlapping, a shape that does not match the byte length, unknown dtype,
 * duplicate names, an empty or truncated file. Thrown when the file is opened, before any tensor is
 * handed out, so a checkpoint that opens is structurally sound.
 */
public class MalformedCheckpointException extends CheckpointException {
  private static final long serialVersionUID = 1L;

  public MalformedCheckpointException(Path path, String message) {
    super(path, message);
  }

  public MalformedCheckpointException(Path path, String message, Throwable cause) {
    super(path, message, cause);
  }
}
