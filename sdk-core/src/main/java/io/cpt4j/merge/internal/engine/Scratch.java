package io.cpt4j.merge.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The buffers of one thread computing one range of a {@link Derivation}: per-input float buffers
 * ({@link #inputs}), named float work buffers ({@link #work}) and double accumulators ({@link
 * #wide}), each of {@link #length} elements, allocated on first use and kept for the next range. A
 * scratch is used by one thread at a time; {@link Pool} hands them out so that their number is
 * bounded by the threads at work, not by the tensors of an output.
 */
public final class Scratch {
  private final int length;
  private final List<float[]> inputBuffers = new ArrayList<>();
  private final List<float[]> work = new ArrayList<>();
  private final List<double[]> wide = new ArrayList<>();
  private float[][] inputs = new float[0][];

  /** A scratch of buffers of {@code length} elements. */
  public Scratch(int length) {
    if (length < 1) {
      throw new IllegalArgumentException("scratch length must be positive, got " + length);
    }
    this.length = length;
  }

  /** Elements per buffer: the largest range one {@link Derivation#compute} call gets. */
  public int length() {
    return length;
  }

  /** Exactly {@code count} buffers, one per input (the same arrays on every call with that count). */
  public float[][] inputs(int count) {
    if (inputs.length != count) {
      while (inputBuffers.size() < count) {
        inputBuffers.add(new float[length]);
      }
      inputs = inputBuffers.subList(0, count).toArray(float[][]::new);
    }
    return inputs;
  }

  /** Float work buffer number {@code slot} (distinct from the {@link #inputs}). */
  public float[] work(int slot) {
    while (work.size() <= slot) {
      work.add(new float[length]);
    }
    return work.get(slot);
  }

  /** Double accumulator number {@code slot}. */
  public double[] wide(int slot) {
    while (wide.size() <= slot) {
      wide.add(new double[length]);
    }
    return wide.get(slot);
  }

  /**
   * Idle scratches of one length, shared by the derived tensors of one output (or owned by a single
   * stand-alone tensor). Thread-safe.
   */
  public static final class Pool {
    private final int length;
    private final ConcurrentLinkedQueue<Scratch> idle = new ConcurrentLinkedQueue<>();

    /** A pool of scratches of {@code length} elements. */
    public Pool(int length) {
      if (length < 1) {
        throw new IllegalArgumentException("chunk must be positive, got " + length);
      }
      this.length = length;
    }

    /** Elements per scratch buffer: the chunk derived tensors compute in. */
    public int length() {
      return length;
    }

    /** An idle scratch, or a new one. */
    Scratch take() {
      Scratch s = idle.poll();
      return s != null ? s : new Scratch(length);
    }

    /** Returns {@code s} for reuse. */
    void give(Scratch s) {
      idle.add(s);
    }
  }
}
