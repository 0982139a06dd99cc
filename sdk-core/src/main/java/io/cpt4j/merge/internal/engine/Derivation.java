package io.cpt4j.merge.internal.engine;

/**
 * How the values of one {@link DerivedTensor} are computed from its inputs: a merge method's
 * kernel, a task vector's linear combination, a graft's mask. Two phases, as {@link DerivedTensor}
 * drives them: {@link #prepare} once (whole-tensor statistics streamed from the inputs, e.g. TIES
 * thresholds), then {@link #compute} for element ranges. A range is computed from the same range of
 * the inputs, so results do not depend on how ranges are chunked or, for {@link #parallel}
 * derivations, threaded.
 *
 * <p>Implementations are thread-safe in the way {@link #parallel} states.
 */
public interface Derivation {
  /** Elements computed: the first {@code count} of the tensor (a {@link DerivedTensor}'s tail supplies the rest). */
  long count();

  /**
   * Whether {@link #compute} may run on several ranges at once, each on its own {@link Scratch}
   * (default). When false, ranges are computed one at a time, in the order they are asked for (a
   * graft's tie counting carries state from one range to the next).
   */
  default boolean parallel() {
    return true;
  }

  /** Phase 1: whole-tensor statistics; idempotent and thread-safe. Default: none. */
  default void prepare() {}

  /**
   * Phase 2: elements {@code [from, from + n)} into {@code out[off..off+n)}; {@code n} is at most
   * {@link Scratch#length}. Runs after {@link #prepare}.
   */
  void compute(long from, int n, float[] out, int off, Scratch scratch);

  /** Elements {@code [from, from + n)} will not be computed again: their input pages may go ({@link InputPages}). */
  default void release(long from, long n) {}
}
