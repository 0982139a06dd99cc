package io.cpt4j.eval;

import io.cpt4j.spi.Providers;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An evaluation task in lm-evaluation-harness's own terms, read from a task YAML or a minimal
 * JSONL file, and scored with a {@link Scorer}.
 *
 * <p><b>Task YAML</b> ({@code .yaml}, {@code .yml}): the harness's {@code TaskConfig} for the
 * output types {@code multiple_choice}, {@code loglikelihood}, {@code loglikelihood_rolling} and
 * {@code generate_until} (greedy generation, stop strings, filter pipelines, {@code exact_match}),
 * with data read from local JSONL (or JSON) files: {@code dataset_path} a local directory or file
 * (or {@code json} with {@code dataset_kwargs.data_files}), relative paths resolved against the
 * YAML's directory. {@code doc_to_text}, {@code doc_to_target} and {@code doc_to_choice} are Jinja
 * templates rendered as the harness renders them (StrictUndefined, trailing newline kept), field
 * names, or literals. Keys that would change the scores and cannot be honoured ({@code
 * process_docs}, {@code !function}, sampling, filters cpt4j lacks, ...) are refused with a
 * {@link TaskException}; descriptive ones ({@code tag}, {@code group}, {@code metadata}, ...) are
 * ignored. The package documentation lists the keys.
 *
 * <p><b>Minimal JSONL</b> ({@code .jsonl}): one {@code {"context": ..., "choices": [...], "gold":
 * i}} per line, a multiple-choice task named after the file (without extension), the choices
 * continued after {@code target_delimiter} {@code " "} as written.
 *
 * <p><b>Prompts and tokens</b>: the context is the task description, the few-shot examples (each
 * {@code text + target_delimiter + target + fewshot_delimiter}) and the document's text, as the
 * harness's {@code fewshot_context}. Requests are encoded as the harness's {@code _encode_pair}
 * (trailing whitespace of the context moves to the continuation; the continuation's tokens are those
 * of {@code context + continuation} after the context's) under the model's own BOS convention: the
 * context carries {@link Tokenizer#specialPrefix()} (an empty context is that prefix or, without
 * one, the {@link Tokenizer#endOfDocumentId() end-of-document token}).
 *
 * <p>Immutable and thread-safe once read: every document is loaded and checked by {@link #read};
 * {@link #evaluate} may run several times, with the scorer used from the calling thread only.
 */
public interface Task {

  /**
   * Reads a task YAML ({@code .yaml}/{@code .yml}) or minimal JSONL ({@code .jsonl}) file and its
   * data, checking every evaluated document.
   *
   * @throws TaskException naming the file, the line or key and the field when the file, a template
   *     or a document is not usable
   */
  static Task read(Path file) {
    return Providers.tasks().read(Objects.requireNonNull(file, "file"));
  }

  /** The task's name: its {@code task} key, or the JSONL file's name without extension. */
  String name();

  /** How the task is scored. */
  TaskType outputType();

  /** Documents in the evaluated split (its test split, else its validation split). */
  int size();

  /** The task's few-shot examples per prompt when the options do not say ({@code num_fewshot}, default 0). */
  int numFewshot();

  /**
   * A few lines for logs: name, type, documents and where they come from, few-shot settings,
   * metrics, and the first document's prompt.
   */
  String describe();

  /**
   * Scores the task: builds every request, sends them to {@code scorer} in a few large calls, and
   * aggregates the metrics.
   *
   * @param scorer answers the loglikelihood requests (its {@link Scorer#maxLength()} sets the
   *     rolling windows)
   * @param tokenizer the model's tokenizer
   * @throws TaskException when a few-shot document is not usable, the few-shot split has too few
   *     documents, or a continuation encodes to no tokens
   */
  TaskResult evaluate(Scorer scorer, Tokenizer tokenizer, TaskOptions options);

  /** {@link #evaluate(Scorer, Tokenizer, TaskOptions)} with {@link TaskOptions#defaults()}. */
  default TaskResult evaluate(Scorer scorer, Tokenizer tokenizer) {
    return evaluate(scorer, tokenizer, TaskOptions.defaults());
  }
}
