package io.cpt4j.checkpoint;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;

/**
 * Shared pieces of the "large" tests: a scratch directory under {@code target} (large files do not
 * belong in /tmp) and {@link Generated}, a tensor computed when read, so that multi-GB inputs need
 * neither heap nor disk.
 */
public final class LargeFixtures {
  private LargeFixtures() {}

  /** A fresh directory under {@code target} whose name starts with {@code prefix}. */
  public static Path directoryUnderTarget(String prefix) throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    Files.createDirectories(target);
    return Files.createTempDirectory(target, prefix);
  }

  /** Deletes {@code dir} and everything under it. */
  public static void deleteTree(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The value of element {@code index} of the tensor with salt {@code salt}. */
  @FunctionalInterface
  public interface Values {
    float at(long salt, long index);
  }

  /**
   * A tensor (of {@code info}'s dtype once written) whose element {@code i} is {@code values.at(salt,
   * i)}, computed when read; it has no bytes.
   */
  public record Generated(TensorInfo info, long salt, Values values) implements Tensor {
    @Override
    public MemorySegment bytes() {
      throw new UnsupportedOperationException("generated tensor: read it with readFloats");
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      Objects.checkFromIndexSize(fromElement, length, info.elementCount());
      for (int i = 0; i < length; i++) {
        dst[offset + i] = values.at(salt, fromElement + i);
      }
    }
  }
}
