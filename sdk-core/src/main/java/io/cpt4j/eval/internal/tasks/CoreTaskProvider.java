package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskException;
import io.cpt4j.spi.TaskProvider;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The task provider behind {@link Task#read} (registered in META-INF/services): a task YAML
 * ({@link TaskYaml}) or a minimal JSONL file ({@link MinimalTask}) by extension. Stateless.
 */
public final class CoreTaskProvider implements TaskProvider {

  @Override
  public Task read(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      return new HarnessTask(TaskYaml.read(file));
    }
    if (name.endsWith(".jsonl")) {
      return new HarnessTask(MinimalTask.spec(file.toAbsolutePath().normalize()));
    }
    throw new TaskException(file + ": not a task file: expected an lm-evaluation-harness task YAML (.yaml, .yml) or "
        + "a JSONL file of {\"context\": ..., \"choices\": [...], \"gold\": i} lines (.jsonl)");
  }
}
