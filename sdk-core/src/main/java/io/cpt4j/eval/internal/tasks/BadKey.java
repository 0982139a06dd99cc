package io.cpt4j.eval.internal.tasks;

/**
 * A task-file key that cannot be used as written: {@code key} is its path ({@code
 * dataset_kwargs.data_files.test}, {@code metric_list[1].metric}); the reader turns it into a
 * {@link io.cpt4j.eval.TaskException} naming the file and the key's line.
 */
final class BadKey extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final String key;

  BadKey(String key, String message) {
    super(message, null, false, false);
    this.key = key;
  }
}
