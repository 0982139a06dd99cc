package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.TaskType;
import io.cpt4j.tokenize.internal.JinjaText;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a task file says, checked: the harness's {@code TaskConfig} fields cpt4j honours, with
 * their defaults applied ({@code target_delimiter} " ", {@code fewshot_delimiter} "\n\n", {@code
 * num_fewshot} 0, no description, the type's default metrics). Immutable.
 *
 * @param file the task file (YAML or minimal JSONL)
 * @param name the task's name
 * @param type its output type
 * @param docToText the prompt of a document (null for rolling tasks without one)
 * @param docToTarget the target: text, or the gold choice's index or text
 * @param docToChoice the choices (null when the task has none)
 * @param targetDelimiter between a prompt and its target
 * @param fewshotDelimiter after each few-shot example
 * @param numFewshot few-shot examples per prompt
 * @param description rendered with each document and put before everything (null for none)
 * @param metrics the reported metrics, in order
 * @param firstN few-shot examples are the split's first documents ({@code sampler: first_n})
 * @param data where the documents come from
 * @param generation a generate_until task's generation, filters and exact_match options (null for the others)
 */
record TaskSpec(Path file, String name, TaskType type, DocValue docToText, DocValue docToTarget, DocValue docToChoice,
    String targetDelimiter, String fewshotDelimiter, int numFewshot, JinjaText description, List<String> metrics,
    boolean firstN, TaskData data, GenerationKeys.GenerationSpec generation) {
  TaskSpec {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(docToTarget, "docToTarget");
    Objects.requireNonNull(targetDelimiter, "targetDelimiter");
    Objects.requireNonNull(fewshotDelimiter, "fewshotDelimiter");
    metrics = List.copyOf(metrics);
    Objects.requireNonNull(data, "data");
    if ((type == TaskType.GENERATE_UNTIL) != (generation != null)) {
      throw new IllegalArgumentException("generation settings go with generate_until tasks alone");
    }
  }

  /**
   * How a document becomes a prompt, target or choices: a field of the document, a Jinja template
   * (rendered with the document's fields), or a value written in the task file. {@code key} is the
   * task key ({@code doc_to_text}, ...) and {@code where} its place ({@code arc.yaml:12}).
   */
  sealed interface DocValue {
    String key();

    String where();

    /** The field {@code name} of the document. */
    record Field(String key, String where, String name) implements DocValue {}

    /** A template rendered with the document's fields. */
    record Template(String key, String where, JinjaText template) implements DocValue {}

    /** A value from the file itself: an index, a text or a list of choices. */
    record Literal(String key, String where, Object value) implements DocValue {}
  }

  /**
   * The documents: the evaluated split, and the split few-shot examples are drawn from (read when
   * first needed; the same list when it is the evaluated split).
   *
   * @param evalSplit the evaluated split's name
   * @param evalDocs its documents, in order
   * @param fewshotSplit the few-shot split's name, or null when the task has none
   * @param fewshotDocs reads the few-shot documents (null when there is no few-shot split)
   * @param source where the documents come from, for {@code describe()}
   */
  record TaskData(String evalSplit, List<TaskDoc> evalDocs, String fewshotSplit, Fewshot fewshotDocs, String source) {
    TaskData {
      evalDocs = List.copyOf(evalDocs);
    }

    /** Whether few-shot examples come from the evaluated split (the evaluated document is left out). */
    boolean fewshotIsEval() {
      return evalSplit.equals(fewshotSplit);
    }
  }

  /** Reads a few-shot split once, when it is first needed; thread-safe. */
  static final class Fewshot {
    private final Supplier<List<TaskDoc>> reader;
    private volatile List<TaskDoc> docs;

    Fewshot(Supplier<List<TaskDoc>> reader) {
      this.reader = reader;
    }

    static Fewshot of(List<TaskDoc> docs) {
      Fewshot f = new Fewshot(() -> docs);
      f.docs = List.copyOf(docs);
      return f;
    }

    List<TaskDoc> docs() {
      List<TaskDoc> d = docs;
      if (d == null) {
        synchronized (this) {
          d = docs;
          if (d == null) {
            d = List.copyOf(reader.get());
            docs = d;
          }
        }
      }
      return d;
    }
  }
}
