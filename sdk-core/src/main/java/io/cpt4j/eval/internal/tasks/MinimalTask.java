package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.TaskException;
import io.cpt4j.eval.TaskType;
import io.cpt4j.eval.internal.tasks.TaskSpec.DocValue;
import io.cpt4j.eval.internal.tasks.TaskSpec.Fewshot;
import io.cpt4j.eval.internal.tasks.TaskSpec.TaskData;
import java.nio.file.Path;
import java.util.List;

/**
 * The minimal JSONL task: one {@code {"context": ..., "choices": [...], "gold": i}} per line, a
 * multiple-choice task named after the file, as the YAML {@code doc_to_text: context, doc_to_choice:
 * choices, doc_to_target: gold} with the harness's defaults (choices continued after " ", few-shot
 * examples, when asked for, drawn from the file itself without the evaluated line). Stateless.
 */
final class MinimalTask {
  private MinimalTask() {}

  static TaskSpec spec(Path file) {
    List<TaskDoc> docs = DocReader.read(List.of(file), "task");
    if (docs.isEmpty()) {
      throw new TaskException(file + ": the task has no documents");
    }
    for (TaskDoc d : docs) {
      for (String field : List.of("context", "choices", "gold")) {
        if (d.fields().get(field) == null) {
          throw new TaskException(d.where() + ": " + field + ": missing (each line is {\"context\": ..., "
              + "\"choices\": [...], \"gold\": i})");
        }
      }
      if (!(d.fields().get("gold") instanceof Long)) {
        throw new TaskException(d.where() + ": gold: must be the index of the correct choice, got "
            + d.fields().get("gold"));
      }
    }
    String name = file.getFileName().toString();
    name = name.substring(0, name.length() - ".jsonl".length());
    String where = file.toString();
    TaskData data = new TaskData("test", docs, "test", Fewshot.of(docs), file.toString());
    return new TaskSpec(file, name, TaskType.MULTIPLE_CHOICE, new DocValue.Field("context", where, "context"),
        new DocValue.Field("gold", where, "gold"), new DocValue.Field("choices", where, "choices"), " ", "\n\n", 0,
        null, TaskType.MULTIPLE_CHOICE.defaultMetrics(), false, data, null);
  }
}
