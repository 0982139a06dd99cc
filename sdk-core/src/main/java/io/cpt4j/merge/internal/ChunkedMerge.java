package io.cpt4j.merge.internal;

/**
 * The merge of one tensor in two phases, as {@link MergedTensor} drives it: {@link #prepare} once
 * (whole-tensor statistics streamed from the inputs), then {@link #compute} for any element range,
 * on any number of threads, each with its own {@link TensorMerge.Scratch}. Implementations compute
 * a range from the same range of the inputs, so results do not depend on chunking or threading.
 */
interface ChunkedMerge {
  /** Elements computed: the first {@code count} of the tensor. */
  long count();

  /** Number of model inputs (sizes the scratch buffers). */
  int models();

  /** Phase 1; idempotent and thread-safe. */
  void prepare();

  /** Phase 2: elements {@code [from, from + n)} into {@code out[off..off+n)}; {@code n} ≤ the scratch length. */
  void compute(long from, int n, float[] out, int off, TensorMerge.Scratch s);

  /** Elements {@code [from, from + n)} will not be computed again: their input pages may go ({@link InputPages}). */
  void release(long from, long n);
}
