package io.cpt4j.spi;

import io.cpt4j.eval.Task;
import java.nio.file.Path;

/**
 * Service-provider interface behind {@link Task#read}. {@code sdk-core} registers the
 * implementation in {@code META-INF/services}; users do not implement it.
 */
public interface TaskProvider {
  /** Reads a task YAML or minimal JSONL file; see {@link Task#read}. */
  Task read(Path file);
}
