package io.cpt4j.checkpoint;

import java.nio.file.Path;

/**
 * The checkpoint is stored as a PyTorch pickle ({@code pytorch_model.bin}, {@code *.pt}, {@code
 * *.pth}, {@code *.ckpt}). cpt4j never opens such files: unpickling runs arbitrary code chosen by
 * whoever wrote the file. The message says how to convert the checkpoint to safetensors.
 */
public class UnsafeFormatException extends CheckpointException {
  private static final long serialVersionUID = 1L;

  public UnsafeFormatException(Path path, String message) {
    super(path, message);
  }
}
