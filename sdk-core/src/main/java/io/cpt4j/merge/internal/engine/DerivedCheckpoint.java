package io.cpt4j.merge.internal.engine;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The derived-checkpoint engine: the output tensors of a merge, a task vector's application or a
 * graft, in output order, each either copied from an input or a {@link DerivedTensor} computed as
 * it is written; then one {@link DerivedOutput#write} and one {@link DerivedReport}. The derived
 * tensors share one {@link Scratch.Pool}, so memory is bounded by a few chunks per thread whatever
 * the tensor sizes. Not thread-safe while being filled; the tensors it made are.
 *
 * <pre>{@code
 * DerivedCheckpoint out = DerivedCheckpoint.start();
 * for (TensorInfo t : target.tensors()) {
 *   if (derived(t)) out.derive(t, derivationOf(t), null, bytesRead(t)); else out.copy(target.tensor(t.name()));
 * }
 * DerivedReport report = out.write(DerivedOutput.of(dir, "merge into " + dir, ...));
 * }</pre>
 */
public final class DerivedCheckpoint {
  /** Default elements per chunk: per scratch buffer, per parallel sub-range, per phase-1 read. */
  public static final int DEFAULT_CHUNK = 1 << 16;

  private final long startNanos = System.nanoTime();
  private final Scratch.Pool pool;
  private final List<Tensor> tensors = new ArrayList<>();
  private int derived;
  private long inputBytes;

  private DerivedCheckpoint(int chunk) {
    this.pool = new Scratch.Pool(chunk);
  }

  /** An empty output whose clock starts now, computing in chunks of {@link #DEFAULT_CHUNK} elements. */
  public static DerivedCheckpoint start() {
    return new DerivedCheckpoint(DEFAULT_CHUNK);
  }

  /** As {@link #start()} with chunks of {@code chunk} elements (small values exercise chunking in tests). */
  public static DerivedCheckpoint start(int chunk) {
    return new DerivedCheckpoint(chunk);
  }

  /** Elements per chunk of the derived tensors. */
  public int chunk() {
    return pool.length();
  }

  /** Appends a tensor taken unchanged from an input. */
  public void copy(Tensor tensor) {
    tensors.add(tensor);
  }

  /**
   * Appends a derived tensor.
   *
   * @param tail supplies the elements past {@code derivation.count()}; null when the derivation covers the tensor
   * @param bytesRead the input bytes the derivation reads, for the report
   * @return the tensor appended
   */
  public DerivedTensor derive(TensorInfo info, Derivation derivation, Tensor tail, long bytesRead) {
    DerivedTensor t = new DerivedTensor(info, derivation, tail, pool);
    tensors.add(t);
    derived++;
    inputBytes += bytesRead;
    return t;
  }

  /** Wall time since {@link #start}. */
  public Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Writes the tensors to {@code output}; see {@link DerivedOutput#write}. */
  public DerivedReport write(DerivedOutput output) {
    List<java.nio.file.Path> files = output.write(tensors);
    return new DerivedReport(output.directory(), files, derived, tensors.size() - derived, inputBytes, elapsed());
  }
}
