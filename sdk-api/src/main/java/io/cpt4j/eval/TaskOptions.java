package io.cpt4j.eval;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * How {@link Task#evaluate} runs a task. Immutable and thread-safe (the progress listener is called
 * from the evaluating thread); built with {@link #builder()} (or {@link #defaults()}), modified
 * copies through {@link #newBuilder()}.
 *
 * <p>Few-shot examples are drawn with a seeded {@link java.util.Random} (one generator per
 * evaluation, the documents taken in order, as the harness reseeds once per task): the same seed
 * gives the same prompts on every run and machine. The harness's own draws ({@code
 * random.Random(1234).sample}) are Python's Mersenne Twister, so the examples chosen differ from
 * the harness's for the same seed; the way they are rendered does not.
 *
 * @param limit evaluate only the first {@code limit} documents (default: all; the harness's {@code
 *     --limit} as a count)
 * @param numFewshot few-shot examples per prompt (default: the task's {@code num_fewshot}, 0 when
 *     it has none)
 * @param seed the few-shot sampler's seed (default 1234, the harness's {@code fewshot_random_seed})
 * @param progress told how many loglikelihood requests are scored, after each scorer call (default:
 *     nobody)
 */
public record TaskOptions(OptionalInt limit, OptionalInt numFewshot, long seed, Progress progress) {

  /** Told of an evaluation's progress. */
  @FunctionalInterface
  public interface Progress {
    /** {@code scored} of the task's {@code total} loglikelihood requests are answered. */
    void update(int scored, int total);

    /** A listener that ignores every update (the default). */
    Progress NONE = (scored, total) -> {};
  }

  public TaskOptions {
    Objects.requireNonNull(limit, "limit (use OptionalInt.empty() for all documents)");
    Objects.requireNonNull(numFewshot, "numFewshot (use OptionalInt.empty() for the task's)");
    Objects.requireNonNull(progress, "progress (use Progress.NONE)");
    if (limit.isPresent() && limit.getAsInt() < 1) {
      throw new IllegalArgumentException("limit must be >= 1, got " + limit.getAsInt());
    }
    if (numFewshot.isPresent() && numFewshot.getAsInt() < 0) {
      throw new IllegalArgumentException("numFewshot must be >= 0, got " + numFewshot.getAsInt());
    }
  }

  /** Every document, the task's few-shot count, seed 1234, no progress listener. */
  public static TaskOptions defaults() {
    return builder().build();
  }

  /** A builder holding the defaults (see {@link #defaults()}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options, for a modified copy; this value is unchanged. */
  public Builder newBuilder() {
    Builder b = new Builder().seed(seed).progress(progress);
    b.limit = limit;
    b.numFewshot = numFewshot;
    return b;
  }

  /**
   * Collects {@link TaskOptions}; the one place their defaults live (see the record's components).
   * {@link #build()} checks them. Not thread-safe.
   */
  public static final class Builder {
    private OptionalInt limit = OptionalInt.empty();
    private OptionalInt numFewshot = OptionalInt.empty();
    private long seed = 1234;
    private Progress progress = Progress.NONE;

    private Builder() {}

    /** Evaluate the first {@code n} documents only (n &ge; 1). */
    public Builder limit(int n) { this.limit = OptionalInt.of(n); return this; }

    /** Evaluate every document (the default). */
    public Builder noLimit() { this.limit = OptionalInt.empty(); return this; }

    /** {@code k} few-shot examples per prompt, overriding the task's {@code num_fewshot}. */
    public Builder numFewshot(int k) { this.numFewshot = OptionalInt.of(k); return this; }

    /** The task's own {@code num_fewshot} (the default). */
    public Builder taskFewshot() { this.numFewshot = OptionalInt.empty(); return this; }

    public Builder seed(long seed) { this.seed = seed; return this; }

    public Builder progress(Progress listener) { this.progress = listener; return this; }

    /**
     * The options.
     *
     * @throws IllegalArgumentException naming the first option out of range
     */
    public TaskOptions build() {
      return new TaskOptions(limit, numFewshot, seed, progress);
    }
  }
}
